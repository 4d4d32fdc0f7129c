"""The per-item outcome shared by single writes and `POST sync/` (API.md: Daily check-ins)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from typing import Any


class ItemStatus(enum.StrEnum):
    CREATED = "created"  # 201 for a single POST
    UNCHANGED = "unchanged"  # 200: the same client_id was sent before
    CONFLICT = "conflict"  # 409: another client_id already holds that date
    INVALID = "invalid"  # 400: field errors, nothing stored


@dataclass(frozen=True)
class ItemResult:
    status: ItemStatus
    id: uuid.UUID | None = None
    errors: dict[str, list[str]] | None = None
    advice: list[dict[str, Any]] | None = None
    obj: Any = field(default=None, compare=False, repr=False)

    def as_response_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"status": str(self.status), "id": self.id}
        if self.errors:
            item["errors"] = self.errors
        if self.advice is not None:
            item["advice"] = self.advice
        return item
