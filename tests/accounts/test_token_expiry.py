"""Device tokens expire after an idle time (REST_KNOX TOKEN_TTL, env TOKEN_IDLE_DAYS) and are
refreshed by use (AUTO_REFRESH, written at most once per MIN_REFRESH_INTERVAL)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.accounts.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def device(email: str) -> APIClient:
    client = APIClient()
    body = client.post("/api/v1/auth/token/", {"email": email, "password": DEFAULT_PASSWORD}).json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    client.expiry = body["expiry"]
    return client


def status_at(client: APIClient, when: dt.datetime) -> int:
    with time_machine.travel(when, tick=False):
        return client.get("/api/v1/me/").status_code


def test_default_idle_time_is_90_days_and_the_login_answer_says_when():
    assert settings.REST_KNOX["TOKEN_TTL"] == dt.timedelta(days=90)
    assert settings.REST_KNOX["AUTO_REFRESH"] is True


def test_an_idle_token_stops_working_after_the_ttl(patient):
    with time_machine.travel(START, tick=False):
        idle = device(patient.user.email)
    assert dt.datetime.fromisoformat(idle.expiry) == START + dt.timedelta(days=90)
    assert status_at(idle, START + dt.timedelta(days=89)) == 200
    # That use moved the expiry on; the next 90 idle days end it.
    assert status_at(idle, START + dt.timedelta(days=89 + 91)) == 401
    assert not AuthToken.objects.filter(user=patient.user).exists()


def test_a_token_never_used_again_expires(patient):
    with time_machine.travel(START, tick=False):
        idle = device(patient.user.email)
    assert status_at(idle, START + dt.timedelta(days=90, minutes=1)) == 401


def test_a_used_token_keeps_working_past_the_first_ttl(patient):
    with time_machine.travel(START, tick=False):
        used = device(patient.user.email)
        idle = device(patient.user.email)
    for day in (30, 60, 90, 120, 150):
        assert status_at(used, START + dt.timedelta(days=day)) == 200
    assert status_at(idle, START + dt.timedelta(days=150)) == 401
    token = AuthToken.objects.get(user=patient.user)
    assert token.expiry == START + dt.timedelta(days=150 + 90)


def test_refreshing_writes_at_most_once_per_interval(patient):
    with time_machine.travel(START, tick=False):
        phone = device(patient.user.email)
    status_at(phone, START + dt.timedelta(days=1))
    first = AuthToken.objects.get(user=patient.user).expiry
    status_at(phone, START + dt.timedelta(days=1, minutes=5))
    assert AuthToken.objects.get(user=patient.user).expiry == first


def test_the_idle_time_is_a_setting(patient, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(days=7)}
    with time_machine.travel(START, tick=False):
        phone = device(patient.user.email)
    assert status_at(phone, START + dt.timedelta(days=8)) == 401


def test_tokens_from_before_expiry_get_one_from_the_migration(patient):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("apps.accounts.migrations.0002_device_tokens_expire")
    with time_machine.travel(START, tick=False):
        old, _ = AuthToken.objects.create(user=patient.user)
        AuthToken.objects.filter(pk=old.pk).update(expiry=None)
        migration.give_tokens_an_expiry(apps, None)
    assert AuthToken.objects.get(pk=old.pk).expiry == START + dt.timedelta(days=90)
