"""The pain course a treatment's effect reads, answered by a reader a higher app registers.

apps.treatments sits in the record layer beside apps.checkins and never imports it (siblings,
docs/CONTRACTS.md "Layers"); apps.dashboard (the course read model, top layer) registers
`apps.checkins.selectors.pain_by_date` here from its AppConfig.ready(). Without a reader, the
effects say that no check-ins could be read."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping

from apps.treatments.effects import PainDay

PainReader = Callable[..., Mapping[dt.date, tuple[int, int]]]
_pain_readers: list[PainReader] = []


def register_pain_reader(reader: PainReader) -> None:
    """``reader(*, episode_id, date_from, date_to)`` -> {local date: (pain_now,
    pain_worst_24h)} of the episode's check-ins in the range (one query). One reader;
    registering again replaces it."""
    _pain_readers[:] = [reader]


def has_pain_reader() -> bool:
    return bool(_pain_readers)


def pain_of_episode(
    *, episode_id: uuid.UUID, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, PainDay]:
    if not _pain_readers:
        return {}
    rows = _pain_readers[0](episode_id=episode_id, date_from=date_from, date_to=date_to)
    return {day: PainDay(now, worst) for day, (now, worst) in rows.items()}
