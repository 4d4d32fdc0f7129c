"""Password change, reset by e-mail, logout everywhere (API.md: Enrolment)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from apps.accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-hip-friendly-password-7"
RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
CHANGE = "/api/v1/auth/password/change/"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sign_in(email: str, password: str = DEFAULT_PASSWORD) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"email": email, "password": password})
    assert response.status_code == 200, response.json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def signed_in(client: APIClient) -> bool:
    status = client.get("/api/v1/me/").status_code
    assert status in {200, 401}
    return status == 200


def codes_from(message) -> tuple[str, str]:
    uid = re.search(r"Account code: (\S+)", message.body).group(1)
    token = re.search(r"Reset code: (\S+)", message.body).group(1)
    return uid, token


@pytest.fixture
def strict_throttles(monkeypatch):
    from django.core.cache import cache

    def tighten(**rates):
        monkeypatch.setattr(
            ScopedRateThrottle,
            "THROTTLE_RATES",
            {"auth": "1000/minute", "password_reset_email": "1000/minute", **rates},
        )
        cache.clear()

    return tighten


class TestChange:
    def test_change_keeps_this_device_and_signs_out_the_others(self, patient):
        phone, tablet = sign_in(patient.user.email), sign_in(patient.user.email)
        response = phone.post(
            CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert response.status_code == 204, response.content
        assert signed_in(phone)
        assert not signed_in(tablet)
        assert AuthToken.objects.filter(user=patient.user).count() == 1
        sign_in(patient.user.email, NEW_PASSWORD)
        refused = APIClient().post(
            "/api/v1/auth/token/", {"email": patient.user.email, "password": DEFAULT_PASSWORD}
        )
        assert refused.status_code == 401

    def test_wrong_old_password_is_400_under_old_password_and_changes_nothing(self, patient):
        phone, tablet = sign_in(patient.user.email), sign_in(patient.user.email)
        response = phone.post(
            CHANGE, {"old_password": "not-my-password-x", "new_password": NEW_PASSWORD}
        )
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["old_password"]
        assert signed_in(tablet)
        assert User.objects.get(pk=patient.user.pk).check_password(DEFAULT_PASSWORD)

    def test_weak_new_password_is_refused_by_the_validators(self, patient):
        phone = sign_in(patient.user.email)
        response = phone.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": "12345"})
        assert response.status_code == 400
        assert "new_password" in response.json()["errors"]
        assert User.objects.get(pk=patient.user.pk).check_password(DEFAULT_PASSWORD)

    def test_a_session_user_stays_signed_in_and_loses_every_token(self, physio):
        phone = sign_in(physio.email)
        browser = APIClient()
        browser.force_login(physio, backend=MODEL_BACKEND)
        other_browser = APIClient()
        other_browser.force_login(physio, backend=MODEL_BACKEND)
        response = browser.post(
            CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert response.status_code == 204
        assert signed_in(browser)
        assert not signed_in(other_browser)  # its session hash is the old password's
        assert not signed_in(phone)

    def test_anonymous_gets_401(self, api_client):
        response = api_client.post(CHANGE, {"old_password": "x", "new_password": NEW_PASSWORD})
        assert response.status_code == 401


class TestLogoutAll:
    def test_logout_all_revokes_every_token_of_the_caller_only(self, patient, physio):
        phone, tablet = sign_in(patient.user.email), sign_in(patient.user.email)
        staff = sign_in(physio.email)
        assert phone.post("/api/v1/auth/logout-all/").status_code == 204
        assert not signed_in(phone)
        assert not signed_in(tablet)
        assert signed_in(staff)
        assert not AuthToken.objects.filter(user=patient.user).exists()


class TestReset:
    def test_a_patient_resets_a_forgotten_password_by_e_mail_and_old_tokens_stop(
        self, patient, api_client
    ):
        phone, tablet = sign_in(patient.user.email), sign_in(patient.user.email)
        asked = api_client.post(RESET, {"email": patient.user.email.upper()})
        assert asked.status_code == 202
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [patient.user.email]
        uid, token = codes_from(message)

        done = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})
        assert done.status_code == 204, done.content
        assert not signed_in(phone)
        assert not signed_in(tablet)
        assert not AuthToken.objects.filter(user=patient.user).exists()
        assert signed_in(sign_in(patient.user.email, NEW_PASSWORD))

    def test_a_reset_code_works_once(self, patient, api_client):
        api_client.post(RESET, {"email": patient.user.email})
        uid, token = codes_from(mail.outbox[0])
        first = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})
        assert first.status_code == 204
        second = api_client.post(
            CONFIRM, {"uid": uid, "token": token, "new_password": "yet-another-password-9"}
        )
        assert second.status_code == 400
        assert "token" in second.json()["errors"]
        assert User.objects.get(pk=patient.user.pk).check_password(NEW_PASSWORD)

    def test_a_reset_code_expires(self, patient, api_client, settings):
        api_client.post(RESET, {"email": patient.user.email})
        uid, token = codes_from(mail.outbox[0])
        later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(
            seconds=settings.PASSWORD_RESET_TIMEOUT + 60
        )
        with time_machine.travel(later):
            late = api_client.post(
                CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
            )
        assert late.status_code == 400
        assert "token" in late.json()["errors"]
        assert User.objects.get(pk=patient.user.pk).check_password(DEFAULT_PASSWORD)

    def test_unknown_and_known_addresses_get_the_same_answer(self, patient, api_client):
        known = api_client.post(RESET, {"email": patient.user.email})
        unknown = api_client.post(RESET, {"email": "nobody-here@example.org"})
        inactive = PatientFactory(user__is_active=False)
        not_enrolled = api_client.post(RESET, {"email": inactive.user.email})
        assert known.status_code == unknown.status_code == not_enrolled.status_code == 202
        assert known.content == unknown.content == not_enrolled.content
        assert set(known.headers) == set(unknown.headers)
        assert [m.to for m in mail.outbox] == [[patient.user.email]]

    def test_forged_or_garbled_codes_are_400_in_the_error_shape(self, patient, api_client):
        from apps.accounts.passwords import reset_link

        uid, _ = reset_link(patient.user)
        for body in (
            {"uid": uid, "token": "abc-def", "new_password": NEW_PASSWORD},
            {"uid": "%%%", "token": "abc-def", "new_password": NEW_PASSWORD},
            {"uid": "bm90LWEtdXVpZA", "token": "abc-def", "new_password": NEW_PASSWORD},
        ):
            response = api_client.post(CONFIRM, body)
            assert response.status_code == 400, body
            assert "token" in response.json()["errors"]
        assert User.objects.get(pk=patient.user.pk).check_password(DEFAULT_PASSWORD)

    def test_weak_new_password_keeps_the_code_usable(self, patient, api_client):
        api_client.post(RESET, {"email": patient.user.email})
        uid, token = codes_from(mail.outbox[0])
        weak = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "12345"})
        assert weak.status_code == 400
        assert "new_password" in weak.json()["errors"]
        good = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})
        assert good.status_code == 204

    def test_the_mail_says_nothing_clinical(self, patient, api_client):
        from tests.episodes.factories import EpisodeFactory

        EpisodeFactory(patient=patient)
        api_client.post(RESET, {"email": patient.user.email})
        text = (mail.outbox[0].subject + "\n" + mail.outbox[0].body).lower()
        for word in ("hip", "osteoporosis", "pain", "flag", "episode", "check-in", "exercise"):
            assert word not in text, word
        for private in (patient.care_team.name, patient.care_team.clinic.name):
            assert private.lower() not in text
        assert patient.user.last_name.lower() not in text

    def test_the_link_carries_the_codes_when_configured(self, patient, api_client, settings):
        settings.PASSWORD_RESET_URL = "https://app.example.org/reset"
        api_client.post(RESET, {"email": patient.user.email})
        uid, token = codes_from(mail.outbox[0])
        assert f"https://app.example.org/reset?uid={uid}&token={token}" in mail.outbox[0].body

    def test_a_reset_lifts_the_lockout_of_the_account(self, patient, api_client):
        for _ in range(5):
            api_client.post(
                "/api/v1/auth/token/", {"email": patient.user.email, "password": "wrong-one-x"}
            )
        api_client.post(RESET, {"email": patient.user.email})
        uid, token = codes_from(mail.outbox[0])
        api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})
        assert signed_in(sign_in(patient.user.email, NEW_PASSWORD))

    def test_mails_per_address_are_capped_silently(self, patient, api_client, strict_throttles):
        strict_throttles(password_reset_email="2/hour")
        answers = {
            (r.status_code, r.content)
            for r in [api_client.post(RESET, {"email": patient.user.email}) for _ in range(4)]
        }
        assert len(answers) == 1
        assert answers.pop()[0] == 202
        assert len(mail.outbox) == 2

    def test_requests_per_client_address_are_throttled(self, api_client, strict_throttles):
        strict_throttles(auth="3/minute")
        statuses = [
            api_client.post(RESET, {"email": f"p{n}@example.org"}).status_code for n in range(4)
        ]
        assert statuses == [202, 202, 202, 429]
        throttled = api_client.post(RESET, {"email": "p9@example.org"})
        assert throttled.json()["code"] == "throttled"
        assert int(throttled["Retry-After"]) > 0

    def test_bad_input_is_400_in_the_error_shape(self, api_client):
        response = api_client.post(RESET, {"email": "not-an-address"})
        assert response.status_code == 400
        assert "email" in response.json()["errors"]
        assert mail.outbox == []


def test_a_patient_who_withdrew_consent_can_still_manage_the_account(patient):
    from tests.consent.factories import published_consent, withdrawn

    published_consent(1)
    withdrawn(patient)
    phone, tablet = sign_in(patient.user.email), sign_in(patient.user.email)
    changed = phone.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.content
    assert not signed_in(tablet)
    assert phone.post("/api/v1/auth/logout-all/").status_code == 204
    assert not signed_in(phone)
