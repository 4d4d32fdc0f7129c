"""What the client-id records a phone sends (check-ins, exercise sessions) share: the per-item
outcome of single writes and `POST sync/` (API.md: Daily check-ins), the item's client_id, and
the correction window of PATCH/DELETE."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from apps.core.exceptions import FieldErrors

#: A record may be corrected (or an exercise session deleted) while its date is at most this
#: many days before the patient's local today (API.md).
CORRECTION_WINDOW_DAYS = 7


def correction_window_closed(*, date: dt.date, today: dt.date) -> bool:
    """Past the correction window, on the patient's local calendar (plain date arithmetic, so
    a daylight-saving change never moves the boundary)."""
    return (today - date).days > CORRECTION_WINDOW_DAYS


def client_id_of(raw: object) -> uuid.UUID | None:
    """An item's client_id if it is a well-formed UUID (its serializer reports it otherwise)."""
    if not isinstance(raw, Mapping):
        return None
    try:
        return uuid.UUID(str(raw.get("client_id")))
    except (TypeError, ValueError, AttributeError):
        return None


class ItemStatus(enum.StrEnum):
    CREATED = "created"  # 201 for a single POST
    UNCHANGED = "unchanged"  # 200: the same client_id was sent before
    CONFLICT = "conflict"  # 409: another client_id already holds that date
    INVALID = "invalid"  # 400: field errors, nothing stored


@dataclass(frozen=True)
class ItemResult:
    status: ItemStatus
    id: uuid.UUID | None = None
    errors: FieldErrors | None = None
    advice: list[dict[str, Any]] | None = None
    obj: Model | None = field(default=None, compare=False, repr=False)

    def as_response_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"status": str(self.status), "id": self.id}
        if self.errors:
            item["errors"] = self.errors
        if self.advice is not None:
            item["advice"] = self.advice
        return item
