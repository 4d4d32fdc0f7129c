"""Reads of an episode that a higher app answers, registered by it (apps.episodes imports no
higher app). The flag engine registers the open flags of an episode in its AppConfig.ready(),
for `GET episodes/{id}/`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apps.episodes.models import Episode

_open_flags: list[Callable[[Episode], Iterable[Any]]] = []


def register_open_flags_reader(reader: Callable[[Episode], Iterable[Any]]) -> None:
    """``reader(episode)`` returns the episode's open and acknowledged flags, most severe
    first. One reader; registering again replaces it."""
    _open_flags[:] = [reader]


def open_flags_of(episode: Episode) -> list[Any]:
    """The episode's open flags as the registered reader returns them ([] without one)."""
    return list(_open_flags[0](episode)) if _open_flags else []
