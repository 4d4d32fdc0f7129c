from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.throttling import ScopedRateThrottle

from tests.accounts.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_auth_throttle(monkeypatch):
    # DRF reads throttle rates at import time; tighten the class attribute for this test only.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/minute"})
    from django.core.cache import cache

    cache.clear()


def test_login_attempts_beyond_the_rate_get_429_with_retry_after(api_client, strict_auth_throttle):
    statuses = [
        api_client.post(
            "/api/v1/auth/token/", {"email": "x@example.org", "password": "nope-nope-nope"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    throttled = api_client.post(
        "/api/v1/auth/token/", {"email": "x@example.org", "password": "nope-nope-nope"}
    )
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["code"] == "throttled"


def test_patient_list_runs_the_same_queries_for_3_and_30_patients(
    physio_client, care_team, django_assert_num_queries
):
    PatientFactory.create_batch(3, care_team=care_team)
    # SQLite answers whether it has JSON once per connection, with a query of its own.
    assert connection.features.supports_json_field
    # The dashboard's summary selector: time zones with the count, the page's rows (with
    # their current episodes and open-flag counts; no episodes, so no adherence reads); then
    # one INSERT of the access log (apps.audit) for the patients shown.
    # tests/accounts/test_patient_summaries.py counts them with full records.
    with django_assert_num_queries(3) as small:
        assert physio_client.get("/api/v1/patients/").json()["count"] == 3
    PatientFactory.create_batch(27, care_team=care_team)
    with django_assert_num_queries(len(small.captured_queries)):
        body = physio_client.get("/api/v1/patients/?page_size=50").json()
    assert body["count"] == 30
    assert len(body["results"]) == 30
