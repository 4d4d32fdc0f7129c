"""Writes to the access log outside a request (the middleware writes the rest)."""

from __future__ import annotations

import uuid

from apps.accounts.models import User
from apps.audit.models import AccessAction, AccessLogEntry


def erasure_record(*, patient_id: uuid.UUID, by: User, counts: dict[str, int]) -> AccessLogEntry:
    """Record that ``patient_id``'s record was erased, by whom, and how many rows of each kind
    went: never what they said. Called inside the erasure's transaction, so the entry exists
    exactly when the erasure does."""
    return AccessLogEntry.objects.create(
        request_id=uuid.uuid4(),
        actor_id=by.pk,
        actor_name=(by.full_name or by.email)[:300],
        actor_role="superuser" if by.is_superuser else by.role,
        actor_is_superuser=by.is_superuser,
        patient_id=patient_id,
        action=AccessAction.ERASE,
        method="SERVICE",
        view_name="patient_erase",
        outcome=200,
        detail={"rows_deleted": counts},
    )
