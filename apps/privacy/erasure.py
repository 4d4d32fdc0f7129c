"""Erasure of a patient's record on request (`POST patients/{id}/erase/`): a composite at the
top of the stack. It deletes rows of every app (found from the model graph,
``apps.audit.patient_data``) and the account, and records that it happened
in the access log (``apps.audit.services.erasure_record``); it lives here, at the top, because
it must reach every app's rows, and apps.accounts may import none of them. Who may erase is
``apps.accounts.services.patient_erase_check_allowed``."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.deletion import ProtectedError, RestrictedError

from apps.accounts.models import Patient, User
from apps.accounts.services import patient_erase_check_allowed
from apps.audit.patient_data import patient_data_models
from apps.audit.services import erasure_record
from apps.core.exceptions import ValidationFailed


def patient_erase(*, patient: Patient, by: User, confirmation: str) -> dict[str, int]:
    """Erase ``patient``'s record on request: every row about them, in every app, and their
    account. ``confirmation`` must be the patient's e-mail address (no erasing by a slip).

    Only a clinic admin of the patient's clinic (or a superuser) may. The rows are found from
    the model graph (``apps.audit.patient_data``), so a model added later is erased too; many
    of them PROTECT their patient or episode so that nothing else deletes them by cascade,
    hence deletion in rounds until every dependency is gone. One transaction: all or nothing.
    An access-log entry records that it happened, by whom and how many rows of each kind,
    never what they said; the access log's own rows about the patient stay, pseudonymised
    (a patient id that no longer maps to anyone). Returns the counts."""
    patient_erase_check_allowed(patient=patient, by=by)
    if confirmation.strip().lower() != patient.user.email.lower():
        raise ValidationFailed(
            "Type the patient's e-mail address to confirm the erasure.", field="confirmation"
        )
    patient_id, user = patient.pk, patient.user
    counts: dict[str, int] = {}
    with transaction.atomic():
        remaining = [
            model._default_manager.filter(**{lookup: patient_id})
            for model, lookup in patient_data_models()
        ]
        _break_self_links(remaining)
        _delete_in_rounds(remaining, counts)
        _total, deleted = user.delete()  # the patient, tokens, devices, notifications, ...
        _tally(counts, deleted)
        _tally(counts, AccessAttempt.objects.filter(username__iexact=user.email).delete()[1])
        erasure_record(patient_id=patient_id, by=by, counts=counts)
    return counts


def _tally(counts: dict[str, int], deleted: dict[str, int]) -> None:
    for label, number in deleted.items():
        if number:
            counts[label] = counts.get(label, 0) + number


def _break_self_links(querysets: list[QuerySet[Any]]) -> None:
    """A row protecting another row of the same kind (a plan "superseded_by" the next one)
    would block itself: break those links first."""
    for rows in querysets:
        for field in rows.model._meta.concrete_fields:
            if field.is_relation and field.related_model is rows.model and field.null:
                rows.update(**{field.name: None})


def _delete_in_rounds(remaining: list[QuerySet[Any]], counts: dict[str, int]) -> None:
    """Delete every queryset, again and again while one is still protected by another, until
    none is left (adding what went to ``counts``)."""
    for _round in range(len(remaining) + 1):
        blocked = []
        for rows in remaining:
            try:
                with transaction.atomic():
                    _total, deleted = rows.delete()
            except (ProtectedError, RestrictedError):
                blocked.append(rows)  # another of the patient's rows still points here
                continue
            _tally(counts, deleted)
        remaining = blocked
        if not remaining:
            return
    raise RuntimeError(
        "Erasure blocked by protected rows: "
        + ", ".join(rows.model._meta.label for rows in remaining)
    )
