"""Answers that can carry patient data are never stored by a cache (apps/core/cache_control.py)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assert_not_stored(response) -> None:
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_authenticated_api_answers_are_not_stored(patient_client, physio_client, patient):
    assert_not_stored(patient_client.get("/api/v1/me/"))
    assert_not_stored(physio_client.get(f"/api/v1/patients/{patient.id}/"))
    export = patient_client.get("/api/v1/me/export/")
    assert export.streaming
    assert_not_stored(export)


def test_errors_and_anonymous_answers_are_not_stored_either(api_client, physio_client):
    assert_not_stored(physio_client.get("/api/v1/patients/00000000-0000-0000-0000-000000000000/"))
    assert_not_stored(api_client.get("/api/v1/me/"))  # 401
    assert_not_stored(api_client.post("/api/v1/auth/token/", {}, format="json"))


def test_dashboard_and_admin_pages_are_not_stored(physio, clinic_admin):
    client = Client()
    client.force_login(physio)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert_not_stored(page)
    assert_not_stored(Client().get("/admin/login/"))


def test_pages_outside_patient_data_keep_their_caching(api_client):
    response = api_client.get("/static/does-not-exist.css")
    assert "no-store" not in response.get("Cache-Control", "")
