"""What the client-id records a phone sends (check-ins, exercise sessions) share: the per-item
outcome of single writes and `POST sync/` (API.md: Daily check-ins), the item's client_id, the
validation of an item's shape (`ItemShape`), and the correction window of PATCH/DELETE."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from rest_framework import serializers

from apps.core.exceptions import FieldErrors, flatten_errors

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


class ItemShape[S: serializers.Serializer]:
    """An input serializer built once per process, without data, that validates item after
    item (``run_validation``, which keeps no state on the serializer): building a serializer
    per item (a deep copy of its fields) costs several times what validating the item with it
    does, and a `POST sync/` has up to 500 items. A refused item is validated again the
    ordinary way (``is_valid``), so that its errors are exactly what its single POST reports
    (DRF's wording for a missing body included)."""

    def __init__(self, serializer_class: type[S]) -> None:
        self.serializer_class = serializer_class
        self._shape: S | None = None

    @property
    def shape(self) -> S:
        """The data-less serializer, its fields bound (two concurrent first requests may each
        build one; either serves)."""
        if self._shape is None:
            shape = self.serializer_class()
            _ = shape.fields  # bound now, not inside a validation
            self._shape = shape
        return self._shape

    def validate(self, raw: Any) -> tuple[dict[str, Any] | None, FieldErrors | None]:
        """``(values, None)`` when ``raw`` validates, else ``(None, field errors)``."""
        try:
            return dict(self.shape.run_validation(raw)), None
        except serializers.ValidationError:
            serializer = self.serializer_class(data=raw)
            serializer.is_valid()
            return None, flatten_errors(serializer.errors)


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
