"""Reads about consent, and the one question other apps ask: may we collect this patient's
data? (No, once they have withdrawn their consent.)"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from apps.accounts.models import Patient
from apps.consent.models import ConsentAcceptance, ConsentDocument, ConsentTranslation

WITHDRAWN_MESSAGE = gettext_lazy(
    "You have withdrawn your consent, so no new data is collected. You can give it again in "
    "the app (Consent) at any time."
)


class ConsentState:
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"
    NOT_GIVEN = "not_given"


@dataclass(frozen=True)
class PatientConsent:
    state: str
    document: ConsentDocument | None  # the document the latest decision was about
    accepted_at: object | None
    withdrawn_at: object | None


def current_document() -> ConsentDocument | None:
    """The newest published consent document, or None if none is published yet."""
    return (
        ConsentDocument.objects.filter(published_at__lte=timezone.now())
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class ConsentText:
    """A consent document version as a reader sees it, in their language when translated."""

    version: int
    title: str
    text: str
    published_at: dt.datetime
    language: str


def document_text(document: ConsentDocument, language: str | None = None) -> ConsentText:
    """``document`` in ``language`` (default: the active one) when that version has a
    translation (the exact tag, else its base language), else in the deployment default."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    candidates = [language, language.split("-")[0]]
    found = {
        row.language.lower(): row
        for row in ConsentTranslation.objects.filter(document=document, language__in=candidates)
    }
    chosen = next((found[code] for code in candidates if code in found), None)
    if chosen is None:
        return ConsentText(
            document.version,
            document.title,
            document.text,
            document.published_at,
            settings.LANGUAGE_CODE.lower(),
        )
    return ConsentText(
        document.version, chosen.title, chosen.text, document.published_at, chosen.language
    )


def latest_decision(patient: Patient) -> ConsentAcceptance | None:
    return (
        ConsentAcceptance.objects.select_related("document")
        .filter(patient=patient)
        .order_by("-created_at", "-id")
        .first()
    )


def consent_of(patient: Patient) -> PatientConsent:
    decision = latest_decision(patient)
    if decision is None:
        return PatientConsent(ConsentState.NOT_GIVEN, None, None, None)
    state = ConsentState.WITHDRAWN if decision.withdrawn_at else ConsentState.ACCEPTED
    return PatientConsent(state, decision.document, decision.accepted_at, decision.withdrawn_at)


def has_active_consent(patient: Patient) -> bool:
    """True when the patient has accepted a consent document and not withdrawn it."""
    return ConsentAcceptance.objects.filter(patient=patient, withdrawn_at__isnull=True).exists()


def consent_withdrawn(patient: Patient | uuid.UUID | str) -> bool:
    """True when the patient's latest consent decision is a withdrawal.

    This is the gate for data collection and reminders. A patient with no decision on record
    (created before consent documents existed, or by staff in the admin) is not stopped:
    enrolment through the API always records an acceptance once a document is published."""
    patient_id = patient.pk if isinstance(patient, Patient) else patient
    latest_withdrawn_at = (
        ConsentAcceptance.objects.filter(patient_id=patient_id)
        .order_by("-created_at", "-id")
        .values_list("withdrawn_at", flat=True)
        .first()
    )
    # None both when nothing is on record and when the latest decision is an acceptance.
    return latest_withdrawn_at is not None


def data_collection_allowed(patient: Patient) -> bool:
    return not consent_withdrawn(patient)


def patients_with_withdrawn_consent() -> QuerySet[Patient]:
    """Patients whose latest consent decision is a withdrawal (the rule of
    ``consent_withdrawn``, for many patients in one query): for bulk exclusion, e.g.
    ``reminders.exclude(patient__in=patients_with_withdrawn_consent())``."""
    latest = (
        ConsentAcceptance.objects.filter(patient_id=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("withdrawn_at")[:1]
    )
    return Patient.objects.alias(latest_withdrawn_at=Subquery(latest)).filter(
        latest_withdrawn_at__isnull=False
    )
