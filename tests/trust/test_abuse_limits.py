from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.accounts.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def login(email: str, password: str, ip: str = "198.51.100.4"):
    return APIClient().post(
        "/api/v1/auth/token/", {"email": email, "password": password}, REMOTE_ADDR=ip
    )


class TestLockout:
    def test_fifth_failure_locks_the_account_from_that_address_even_for_the_right_password(
        self, patient
    ):
        email = patient.user.email
        statuses = [login(email, "wrong-password-x").status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 401, 429]
        locked = login(email, DEFAULT_PASSWORD)
        assert locked.status_code == 429
        assert locked.json()["code"] == "locked_out"
        assert int(locked["Retry-After"]) == 15 * 60

    def test_lockout_is_per_address_and_account(self, patient, physio):
        for _ in range(5):
            login(patient.user.email, "wrong-password-x")
        assert login(patient.user.email, DEFAULT_PASSWORD, ip="192.0.2.99").status_code == 200
        assert login(physio.email, DEFAULT_PASSWORD).status_code == 200

    def test_differently_cased_emails_count_as_one_account(self, patient):
        for _ in range(5):
            login(patient.user.email.upper(), "wrong-password-x")
        assert login(patient.user.email, DEFAULT_PASSWORD).status_code == 429

    def test_a_success_resets_the_count(self, patient):
        for _ in range(4):
            login(patient.user.email, "wrong-password-x")
        assert login(patient.user.email, DEFAULT_PASSWORD).status_code == 200
        assert login(patient.user.email, "wrong-password-x").status_code == 401
        assert login(patient.user.email, DEFAULT_PASSWORD).status_code == 200


@pytest.fixture
def auth_rate(monkeypatch):
    """Tighten the one sign-in budget per client address (scope "auth") for a test."""
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    def tighten(rate: str) -> None:
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": rate})
        cache.clear()

    return tighten


def form_login(path: str, email: str, password: str, **meta):
    from django.test import Client

    return Client().post(path, {"username": email, "password": password}, **meta)


DASHBOARD_LOGIN = "/dashboard/login/"
ADMIN_LOGIN = "/admin/login/"


class TestEveryLoginPath:
    @pytest.mark.parametrize("path", [DASHBOARD_LOGIN, ADMIN_LOGIN])
    def test_html_login_forms_are_throttled_per_address_with_a_429_page(self, path, auth_rate):
        auth_rate("3/minute")
        statuses = [
            form_login(path, f"u{n}@example.org", "wrong-password-x").status_code for n in range(4)
        ]
        assert statuses == [200, 200, 200, 429]  # the form re-shown with its error, then 429
        throttled = form_login(path, "u9@example.org", "wrong-password-x")
        assert throttled.status_code == 429
        assert throttled["Content-Type"].startswith("text/html")
        assert int(throttled["Retry-After"]) > 0
        assert b"Too many sign-in attempts" in throttled.content
        other = form_login(path, "u9@example.org", "wrong-password-x", REMOTE_ADDR="192.0.2.50")
        assert other.status_code == 200

    def test_forms_get_pages_are_not_counted(self, auth_rate):
        from django.test import Client

        auth_rate("2/minute")
        assert {Client().get(DASHBOARD_LOGIN).status_code for _ in range(5)} == {200}

    def test_api_dashboard_and_admin_logins_share_one_budget(self, auth_rate, patient):
        auth_rate("4/minute")
        form_login(DASHBOARD_LOGIN, "a@example.org", "wrong-password-x")
        form_login(ADMIN_LOGIN, "b@example.org", "wrong-password-x")
        APIClient().post(
            "/api/v1/auth/enrol/", {"enrolment_code": "ABCDE-FGHJK", "password": "whatever-1"}
        )
        login("c@example.org", "wrong-password-x", ip="127.0.0.1")
        assert login(patient.user.email, DEFAULT_PASSWORD, ip="127.0.0.1").status_code == 429

    def test_dashboard_form_lockout_answers_a_429_page(self, physio):
        statuses = [
            form_login(DASHBOARD_LOGIN, physio.email, "wrong-password-x").status_code
            for _ in range(5)
        ]
        assert statuses[:4] == [200, 200, 200, 200]
        assert statuses[4] == 429
        locked = form_login(DASHBOARD_LOGIN, physio.email, DEFAULT_PASSWORD)
        assert locked.status_code == 429
        assert locked["Content-Type"].startswith("text/html")
        assert int(locked["Retry-After"]) == 15 * 60
        assert "_auth_user_id" not in locked.wsgi_request.session

    def test_form_and_api_failures_count_towards_one_lockout(self, physio):
        for _ in range(4):
            form_login(ADMIN_LOGIN, physio.email, "wrong-password-x", REMOTE_ADDR="127.0.0.1")
        login(physio.email, "wrong-password-x", ip="127.0.0.1")
        assert login(physio.email, DEFAULT_PASSWORD, ip="127.0.0.1").status_code == 429


class TestClientAddressBehindProxies:
    PROXY = "10.0.0.2"

    def via_proxy(self, email, password, forwarded):
        return APIClient().post(
            "/api/v1/auth/token/",
            {"email": email, "password": password},
            REMOTE_ADDR=self.PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    def test_one_proxy_two_clients_are_locked_separately(self, settings, patient):
        settings.TRUSTED_PROXY_COUNT = 1
        for _ in range(5):
            self.via_proxy(patient.user.email, "wrong-password-x", "203.0.113.1")
        assert (
            self.via_proxy(patient.user.email, DEFAULT_PASSWORD, "203.0.113.1").status_code == 429
        )
        assert (
            self.via_proxy(patient.user.email, DEFAULT_PASSWORD, "203.0.113.2").status_code == 200
        )

    def test_one_proxy_two_clients_are_throttled_separately(self, settings, auth_rate):
        settings.TRUSTED_PROXY_COUNT = 1
        auth_rate("2/minute")
        first = [self.via_proxy("x@example.org", "nope-nope-1", "203.0.113.1") for _ in range(3)]
        assert [r.status_code for r in first] == [401, 401, 429]
        assert self.via_proxy("x@example.org", "nope-nope-1", "203.0.113.2").status_code == 401

    def test_the_rightmost_entries_are_the_trusted_proxies(self, settings, auth_rate):
        # A client's own X-Forwarded-For entries (left of what the proxy appended) are ignored.
        settings.TRUSTED_PROXY_COUNT = 1
        auth_rate("2/minute")
        statuses = [
            self.via_proxy("x@example.org", "nope-nope-1", f"198.51.100.{n}, 203.0.113.1")
            for n in range(3)
        ]
        assert [r.status_code for r in statuses] == [401, 401, 429]

    def test_without_trusted_proxies_x_forwarded_for_is_ignored(self, settings, patient, auth_rate):
        settings.TRUSTED_PROXY_COUNT = 0
        for n in range(5):
            self.via_proxy(patient.user.email, "wrong-password-x", f"203.0.113.{n}")
        spoofed = self.via_proxy(patient.user.email, DEFAULT_PASSWORD, "203.0.113.200")
        assert spoofed.status_code == 429
        auth_rate("2/minute")
        statuses = [
            self.via_proxy("x@example.org", "nope-nope-1", f"198.51.100.{n}").status_code
            for n in range(3)
        ]
        assert statuses == [401, 401, 429]

    def test_html_forms_key_on_the_same_address(self, settings, auth_rate):
        settings.TRUSTED_PROXY_COUNT = 1
        auth_rate("1/minute")
        meta = {"REMOTE_ADDR": self.PROXY}
        first = form_login(
            DASHBOARD_LOGIN, "a@example.org", "x", HTTP_X_FORWARDED_FOR="203.0.113.1", **meta
        )
        again = form_login(
            DASHBOARD_LOGIN, "a@example.org", "x", HTTP_X_FORWARDED_FOR="203.0.113.1", **meta
        )
        other = form_login(
            DASHBOARD_LOGIN, "a@example.org", "x", HTTP_X_FORWARDED_FOR="203.0.113.2", **meta
        )
        assert (first.status_code, again.status_code, other.status_code) == (200, 429, 200)

    def test_garbage_in_x_forwarded_for_falls_back_to_the_proxy_address(self, settings, patient):
        settings.TRUSTED_PROXY_COUNT = 1
        response = self.via_proxy(patient.user.email, "wrong-password-x", "not-an-address")
        assert response.status_code == 401
        from axes.models import AccessAttempt

        assert AccessAttempt.objects.get().ip_address == self.PROXY

    def test_the_access_log_records_the_client_address(self, settings, physio_client, patient):
        from apps.audit.models import AccessLogEntry

        settings.TRUSTED_PROXY_COUNT = 1
        response = physio_client.get(
            f"/api/v1/patients/{patient.pk}/",
            REMOTE_ADDR=self.PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7",
        )
        assert response.status_code == 200
        assert AccessLogEntry.objects.get().source_ip == "203.0.113.7"

    def test_the_address_is_the_nth_from_the_right(self, settings):
        from django.test import RequestFactory

        from apps.core.throttling import client_ip

        settings.TRUSTED_PROXY_COUNT = 2
        request = RequestFactory().post(
            "/", REMOTE_ADDR=self.PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5, 10.0.0.1"
        )
        assert client_ip(request) == "203.0.113.5"
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(request) == self.PROXY


class TestWriteThrottle:
    @pytest.fixture
    def two_writes_a_minute(self, monkeypatch):
        from django.core.cache import cache

        # Views either use the default WriteRateThrottle or a ScopedRateThrottle with scope
        # "writes"; both read the rates from SimpleRateThrottle (at import time).
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {"writes": "2/minute", "auth": "1000/minute"}
        )
        cache.clear()

    def test_writes_beyond_the_rate_get_429_with_retry_after(
        self, patient_client, two_writes_a_minute
    ):
        statuses = [
            patient_client.post("/api/v1/checkins/", {}, format="json").status_code
            for _ in range(3)
        ]
        assert statuses == [400, 400, 429]
        throttled = patient_client.post("/api/v1/sync/", {}, format="json")
        assert throttled.status_code == 429
        assert int(throttled["Retry-After"]) > 0

    def test_reads_are_not_throttled(self, patient_client, two_writes_a_minute):
        assert {patient_client.get("/api/v1/me/").status_code for _ in range(5)} == {200}

    def test_each_user_has_their_own_budget(
        self, patient_client, physio_client, two_writes_a_minute
    ):
        for _ in range(3):
            patient_client.post("/api/v1/checkins/", {}, format="json")
        assert physio_client.post("/api/v1/patients/", {}, format="json").status_code == 400


class TestBrowserSecurity:
    @override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.org"])
    def test_cors_answers_only_configured_origins(self, api_client):
        allowed = api_client.get("/api/v1/health/", HTTP_ORIGIN="https://app.example.org")
        other = api_client.get("/api/v1/health/", HTTP_ORIGIN="https://evil.example.com")
        assert allowed["Access-Control-Allow-Origin"] == "https://app.example.org"
        assert "Access-Control-Allow-Origin" not in other

    def test_responses_carry_security_headers(self, api_client):
        response = api_client.get("/api/v1/health/")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]

    def test_weak_passwords_are_refused_by_the_validators(self):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        for weak in ["short1!", "password123", "12345678901"]:
            with pytest.raises(ValidationError):
                validate_password(weak)


@pytest.mark.filterwarnings("ignore")
def test_check_deploy_is_clean_under_production_settings():
    env = {
        # The browser tests' Playwright event loop sets DJANGO_ALLOW_ASYNC_UNSAFE in this
        # process (tests/dashboard/conftest.py); a deployment never has it.
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "backend.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-key-for-the-check-" + "y" * 10,
        "DJANGO_ALLOWED_HOSTS": "toh.example.org",
    }
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
