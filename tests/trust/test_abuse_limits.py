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
        **os.environ,
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
