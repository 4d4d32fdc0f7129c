"""The instrument catalogue read once per process and kept while it holds.

A questionnaire response is checked and scored against its instrument version: the version
row, its items with their options, its score definitions (with the lookup tables a licensed
file adds) and its wordings (which languages it can be answered in). Reading them was three
or four queries per request; they change only when a file is loaded (apps/outcomes/loader.py,
``manage.py load_instrument``), an admin edits one, or a test builds one.

Every such change replaces the token of the one `CatalogueVersion` row in the same
transaction (`catalogue_changed`: the loader calls it, and the receivers below cover every
ORM save or delete of a catalogue model). A process caches what it read under the token it
read *before* reading it, and uses the cache only while the token the request reads (folded
into a query it makes anyway: apps/outcomes/prior_scores.py, or `catalogue_token`)
is the same. So a wording loaded by another process is used by the very next request of
every process: the database, not process memory, says whether the cache holds. Without the
row (a flushed test database) nothing is cached.

Cached rows are shared by the requests of the process: read them, never change them.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch, Q
from django.db.models.signals import post_delete, post_save

from apps.outcomes.models import (
    AnswerOption,
    CatalogueVersion,
    Instrument,
    Item,
    ScoreDefinition,
    Wording,
)

Key = tuple[str, str]  # (instrument code, version)

#: The models whose rows the cache holds: a save or delete of any of them is a change.
CATALOGUE_MODELS = (Instrument, Item, AnswerOption, ScoreDefinition, Wording)


def catalogue_changed() -> None:
    """A new token for the catalogue (one upsert; it creates the row when it is missing).
    Call it inside the transaction of the change: the token and the change commit (or roll
    back) together."""
    CatalogueVersion.objects.bulk_create(
        [CatalogueVersion(id=1, token=uuid.uuid4())],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["token"],
    )


def _changed(sender: Any, **kwargs: Any) -> None:
    catalogue_changed()


def connect_receivers() -> None:
    """Called by the app's ready(): every ORM save and delete of a catalogue row changes the
    token (QuerySet.update and bulk_create do not send signals: their callers, the loader,
    call `catalogue_changed` themselves)."""
    for model in CATALOGUE_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalogue-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"catalogue-delete-{model.__name__}"
        )


def catalogue_token() -> uuid.UUID | None:
    """The token alone (one query), for callers with no query to fold it into."""
    return CatalogueVersion.objects.filter(id=1).values_list("token", flat=True).first()


class _Cache:
    """The instruments read under one token. Replaced whole when the token differs, so a
    reader never mixes two versions of the catalogue."""

    def __init__(self, token: uuid.UUID | None) -> None:
        self.token = token
        self.instruments: dict[Key, Instrument | None] = {}


_cache = _Cache(None)


def cached_instrument(key: Key) -> Instrument | None:
    """What this process last read for ``key``, whatever the token (the caller validates it):
    to know which score codes to ask the history for in the query that reads the token."""
    return _cache.instruments.get(key)


def instruments_by_key(keys: set[Key], token: uuid.UUID | None) -> dict[Key, Instrument]:
    """The instrument versions named by ``keys`` (those that exist), each with its items and
    their options, its score definitions and its wordings set as prefetches. From the cache
    when ``token`` is the token it holds; the missing ones are read (four queries) and kept
    under ``token``, which the caller read before this call."""
    global _cache  # noqa: PLW0603 - one per process, replaced whole
    cache = _cache
    if token is None or cache.token != token:
        cache = _Cache(token)
        if token is not None:
            _cache = cache
    missing = {key for key in keys if key not in cache.instruments}
    if missing:
        found = _read(missing)
        for key in missing:
            cache.instruments[key] = found.get(key)
    return {key: i for key in keys if (i := cache.instruments.get(key)) is not None}


def _read(keys: set[Key]) -> dict[Key, Instrument]:
    condition = Q(pk__in=[])
    for code, version in keys:
        condition |= Q(code=code, version=version)
    instruments = Instrument.objects.filter(condition).prefetch_related(
        Prefetch("items", queryset=Item.objects.prefetch_related("options")),
        "scores",
        "wordings",
    )
    found = {}
    for instrument in instruments:
        for definition in instrument.scores.all():
            definition.instrument = instrument  # the scoring reads the instrument's file
        found[(instrument.code, instrument.version)] = instrument
    return found


def clear() -> None:
    """Forget what this process read (the next request reads it again)."""
    global _cache  # noqa: PLW0603
    _cache = _Cache(None)
