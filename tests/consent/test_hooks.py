"""Enrolment (apps.accounts) requires consent without importing apps.consent: it fires
``apps.accounts.hooks.enrolment_activating`` inside its transaction and apps.consent listens
(ConsentConfig.ready()). The API behaviour is in test_consent.py; here the wiring."""

from __future__ import annotations

import pytest

from apps.accounts.hooks import enrolment_activating
from apps.accounts.services import enrolment_activate, enrolment_code_issue
from apps.consent.models import ConsentAcceptance
from apps.consent.services import consent_at_enrolment
from apps.core.exceptions import ValidationFailed
from tests.accounts.factories import PatientFactory
from tests.consent.factories import published_consent

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"


def test_consent_listens_to_enrolment():
    assert enrolment_activating.listeners == (consent_at_enrolment,)


def test_the_enrolment_service_reaches_the_consent_listener():
    published_consent(1)
    patient = PatientFactory(user__is_active=False)
    code, _expires = enrolment_code_issue(patient=patient, by=None)

    with pytest.raises(ValidationFailed) as refused:
        enrolment_activate(code=code, password=PASSWORD)
    user, _token, _raw = enrolment_activate(code=code, password=PASSWORD, consent_version=1)

    assert refused.value.code == "consent_required"
    assert user.is_active is True
    assert ConsentAcceptance.objects.get(patient=patient).document.version == 1
