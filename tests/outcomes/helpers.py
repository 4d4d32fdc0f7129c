from __future__ import annotations

import datetime as dt
import uuid
from typing import Any


def psfs_body(
    ratings: list[int], *, completed_at: dt.datetime, client_id: uuid.UUID | None = None
) -> dict[str, Any]:
    answers: list[dict[str, Any]] = []
    for index, rating in enumerate(ratings, start=1):
        answers.append({"item": f"activity_{index}", "value": f"activity {index}"})
        answers.append({"item": f"rating_{index}", "value": rating})
    return {
        "client_id": str(client_id or uuid.uuid4()),
        "instrument": "psfs",
        "instrument_version": "1",
        "language": "en",
        "answers": answers,
        "completed_at": completed_at.isoformat(),
    }
