"""The demo patients (`make run`'s `load_demo`) over HTTP, signed in with the demo logins:
different weeks and courses give different phases and messages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.devtools.demo.accounts import DEMO_PASSWORD, DEMO_PATIENTS, load_demo_accounts
from apps.devtools.demo.record import load_demo_record

pytestmark = pytest.mark.django_db


def test_demo_patients_at_different_weeks_get_different_phases():
    load_demo_record(load_demo_accounts())
    bodies = {}
    for email, *_ in DEMO_PATIENTS:
        client = APIClient()
        token = client.post(
            "/api/v1/auth/token/", {"email": email, "password": DEMO_PASSWORD}, format="json"
        ).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = client.get("/api/v1/me/progress/")
        assert response.status_code == 200
        bodies[email] = response.json()
    phases = {email.split("@")[0]: body["phase"] for email, body in bodies.items()}
    # Sam: week 7, improving; Anna: week 5, worsening; Li: week 12, stable; Rosa: week 9,
    # slowly easing, silent for 3 days (apps/devtools/demo/record.py).
    assert phases["sam.patel"] == "easing"
    assert phases["anna.berg"] == "building"
    assert phases["li.wei"] == "peak"
    assert len(set(phases.values())) >= 3
    assert len({body["message"] for body in bodies.values()}) == len(bodies)
    for body in bodies.values():
        assert body["message"].startswith(f"Week {body['weeks_since_onset']}.") or body[
            "message"
        ].startswith(f"Semana {body['weeks_since_onset']}.")
