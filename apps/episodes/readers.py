"""Reads of an episode that a higher app answers, registered by it (apps.episodes imports no
higher app). The flag engine registers the open flags of an episode in its AppConfig.ready(),
for `GET episodes/{id}/`; apps.checkins registers the date of an episode's first check-in, which
`episode_update` keeps the onset date from passing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apps.episodes.models import Episode

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_open_flags: list[Callable[[Episode], Iterable[Any]]] = []


def register_open_flags_reader(reader: Callable[[Episode], Iterable[Any]]) -> None:
    """``reader(episode)`` returns the episode's open and acknowledged flags, most severe
    first. One reader; registering again replaces it."""
    _open_flags[:] = [reader]


def open_flags_of(episode: Episode) -> list[Any]:
    """The episode's open flags as the registered reader returns them ([] without one)."""
    return list(_open_flags[0](episode)) if _open_flags else []


@dataclass(frozen=True)
class EarliestRecord:
    """The earliest dated record of an episode: its local ``date`` and what it is (``noun``,
    e.g. "a check-in", as the refusal of a later onset date names it)."""

    date: dt.date
    noun: StrOrPromise


_earliest_record_readers: dict[StrOrPromise, Callable[[Episode], dt.date | None]] = {}


def register_earliest_record_reader(
    noun: StrOrPromise, reader: Callable[[Episode], dt.date | None]
) -> None:
    """``reader(episode)`` returns the local date of the episode's earliest record of one kind
    (None when it has none); ``noun`` names the kind ("a check-in"). From the record app's
    AppConfig.ready(); registering the same noun again replaces its reader."""
    _earliest_record_readers[noun] = reader


def earliest_record_of(episode: Episode) -> EarliestRecord | None:
    """The earliest of the registered readers' dates (the first registered on a tie), or None."""
    earliest: EarliestRecord | None = None
    for noun, reader in _earliest_record_readers.items():
        date = reader(episode)
        if date is not None and (earliest is None or date < earliest.date):
            earliest = EarliestRecord(date=date, noun=noun)
    return earliest


def earliest_record_nouns() -> tuple[StrOrPromise, ...]:
    """The kinds of record registered (for the test that apps.checkins registered)."""
    return tuple(_earliest_record_readers)
