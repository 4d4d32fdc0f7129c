"""The reset and clash e-mails go through a real Celery worker on real Redis (CI's second
pass): the request publishes, the worker looks the address up and sends."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.conftest import wait_until

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_the_worker_mails_the_reset_code_that_then_works(celery_worker):
    patient = PatientFactory()
    client = APIClient()
    asked = client.post("/api/v1/auth/password/reset/", {"email": patient.user.email})
    assert asked.status_code == 202
    assert wait_until(lambda: len(mail.outbox) == 1)
    body = mail.outbox[0].body
    uid = re.search(r"Account code: (\S+)", body).group(1)
    token = re.search(r"Reset code: (\S+)", body).group(1)
    done = client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "a-new-hip-friendly-password-7"},
    )
    assert done.status_code == 204


def test_the_worker_tells_the_holder_of_an_address_enrolled_elsewhere(celery_worker):
    from tests.consent.factories import published_consent

    published_consent(1)
    patient = PatientFactory()
    client = APIClient()
    client.force_authenticate(physio_in(CareTeamFactory()))
    response = client.post(
        "/api/v1/patients/",
        {
            "email": patient.user.email,
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "1990-01-01",
            "sex": "female",
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 201
    assert wait_until(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == [patient.user.email]
