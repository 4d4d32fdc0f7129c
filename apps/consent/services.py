"""Writes about consent: accept (at enrolment or later) and withdraw."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.hooks import EnrolmentActivation
from apps.accounts.models import Patient
from apps.consent.hooks import consent_decided
from apps.consent.models import ConsentAcceptance, ConsentDocument
from apps.consent.selectors import current_document
from apps.core.exceptions import Conflict, ValidationFailed


def _document_to_accept(version: int | None, *, field: str) -> ConsentDocument:
    document = current_document()
    if document is None:
        raise Conflict(_("No consent document is published yet."), code="no_consent_document")
    if version is not None and version != document.version:
        raise ValidationFailed(
            _(
                "Version %(version)s is not the current consent document; read and accept "
                "version %(current)s."
            )
            % {"version": version, "current": document.version},
            field=field,
            code="consent_version_outdated",
        )
    return document


def _decided(patient: Patient) -> None:
    """Tell the apps that follow consent (apps.reminders: its schedules, since
    ``patient_may_be_reminded`` asks ``consent_withdrawn``), inside the decision's
    transaction (``apps.consent.hooks.consent_decided``)."""
    consent_decided.fire(patient)


def consent_accept(
    *, patient: Patient, version: int | None, field: str = "version"
) -> ConsentAcceptance:
    """Record ``patient``'s acceptance of the current document (``version`` must be it when
    given). Accepting what is already accepted changes nothing; accepting a newer version
    replaces the older acceptance."""
    document = _document_to_accept(version, field=field)
    now = timezone.now()
    with transaction.atomic():
        # Lock the patient row so two accepts at once cannot both see "none active".
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        active = (
            ConsentAcceptance.objects.select_related("document")
            .filter(patient=patient, withdrawn_at__isnull=True)
            .first()
        )
        if active is not None and active.document_id == document.pk:
            return active
        if active is not None:
            # An older version is superseded by the newer one, not withdrawn by the patient.
            active.withdrawn_at = now
            active.save(update_fields=["withdrawn_at"])
        try:
            with transaction.atomic():
                acceptance = ConsentAcceptance.objects.create(
                    patient=patient, document=document, accepted_at=now, created_at=now
                )
        except IntegrityError as error:  # a concurrent accept won: theirs stands
            raise Conflict(_("Consent was just recorded by another request.")) from error
        _decided(patient)
        return acceptance


def consent_at_enrolment(activation: EnrolmentActivation) -> None:
    """The listener of ``apps.accounts.hooks.enrolment_activating`` (registered in
    ``ConsentConfig.ready()``), inside the enrolment's transaction: once a consent document is
    published, enrolling requires accepting its current version, and records it."""
    document = current_document()
    if document is None:
        return
    if activation.consent_version is None:
        raise ValidationFailed(
            _("Read and accept the consent document (version %(version)s) to enrol.")
            % {"version": document.version},
            field="consent_version",
            code="consent_required",
        )
    consent_accept(
        patient=activation.patient, version=activation.consent_version, field="consent_version"
    )


def consent_withdraw(*, patient: Patient) -> ConsentAcceptance:
    """Withdraw ``patient``'s consent: from now on no new data is collected and reminders
    stop (both ask ``apps.consent.selectors.consent_withdrawn``). Idempotent."""
    now = timezone.now()
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        active = ConsentAcceptance.objects.filter(
            patient=patient, withdrawn_at__isnull=True
        ).first()
        if active is not None:
            active.withdrawn_at = now
            active.save(update_fields=["withdrawn_at"])
            _decided(patient)
            return active
        latest = ConsentAcceptance.objects.filter(patient=patient).order_by("-created_at").first()
        if latest is not None:
            return latest  # already withdrawn
        document = current_document()
        if document is None:
            raise Conflict(_("No consent document is published yet."), code="no_consent_document")
        # Nothing on record (an account from before consent existed): record the refusal.
        refusal = ConsentAcceptance.objects.create(
            patient=patient, document=document, withdrawn_at=now, created_at=now
        )
        _decided(patient)
        return refusal
