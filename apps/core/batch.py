"""A batch of client-id items (`POST sync/`, and every record app's many-item write): the
machinery check-ins and exercise sessions share, so that a new record app (questionnaire
responses, ...) reuses it rather than writing it a third time.

The steps, each a function here; what is the record's own (its validation, its advice, its
natural key) stays in its app:

1. `read_stored` — the items' client_ids and the rows already stored under them (one query):
   a stored client_id is answered with its row (``unchanged``) whatever the item says.
2. `BatchPlan` — which items become new rows, and which repeat an earlier item of the same
   batch (the same client_id, or the same natural key such as a check-in's date).
3. `insert_new_rows` — one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` the ids it
   stored (a read-back by client_id only of rows it did not store), in one transaction with
   the record change of what was created; each new row's `Outcome`: ``created`` (our row),
   ``unchanged`` (another request stored that client_id first), ``conflict`` (another row
   holds the natural key) or ``invalid`` (not stored).
   The database's unique constraints decide; reads only tell the answers apart.
4. `resolve_repeats` — each repeat gets what its earlier item got (a repeat of a created row
   is ``unchanged``; of a natural key, a ``conflict`` with the earlier row).

Results are `apps.core.sync.ItemResult` in request order. A fixed number of queries whatever
the batch size.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.db import models, transaction

from apps.core.exceptions import NON_FIELD
from apps.core.statements import insert_new
from apps.core.sync import ItemResult, ItemStatus, client_id_of

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RepeatKind = Literal["client_id", "key"]


def read_stored[Row: models.Model](
    queryset: models.QuerySet[Row], items: Sequence[Any]
) -> tuple[list[uuid.UUID | None], dict[uuid.UUID, Row]]:
    """Each item's client_id (None when malformed: its serializer reports it) and the rows of
    ``queryset`` (the sender's own) stored under any of them. One query."""
    client_ids = [client_id_of(raw) for raw in items]
    wanted = {client_id for client_id in client_ids if client_id is not None}
    stored = {row.client_id: row for row in queryset.filter(client_id__in=wanted)}  # type: ignore[attr-defined]
    return client_ids, stored


@dataclass
class BatchPlan[Row: models.Model]:
    """The new rows of a batch by item index, and the items that repeat an earlier one."""

    new_rows: dict[int, Row] = field(default_factory=dict)
    repeats: dict[int, tuple[RepeatKind, int]] = field(default_factory=dict)
    _by_client_id: dict[uuid.UUID, int] = field(default_factory=dict)
    _by_key: dict[Hashable, int] = field(default_factory=dict)

    def repeats_client_id(self, index: int, client_id: uuid.UUID | None) -> bool:
        """True (and noted) when an earlier new row of the batch has this client_id."""
        if client_id is None or client_id not in self._by_client_id:
            return False
        self.repeats[index] = ("client_id", self._by_client_id[client_id])
        return True

    def repeats_key(self, index: int, key: Hashable) -> bool:
        """True (and noted) when an earlier new row of the batch has this natural key."""
        if key not in self._by_key:
            return False
        self.repeats[index] = ("key", self._by_key[key])
        return True

    def add(self, index: int, row: Row, *, key: Hashable | None = None) -> None:
        self.new_rows[index] = row
        self._by_client_id[row.client_id] = index  # type: ignore[attr-defined]
        if key is not None:
            self._by_key[key] = index


@dataclass(frozen=True)
class Outcome[Row: models.Model]:
    """What the database made of a new row: its status and the stored row it is answered
    with (ours, the concurrent one, or the holder of the natural key; None when invalid)."""

    status: ItemStatus
    stored: Row | None


@dataclass(frozen=True)
class NaturalKey:
    """A record's other unique key within a scope, e.g. a check-in's ``date`` within its
    episode: ``field`` on the model, and the queryset of rows that share the scope."""

    field: str
    scope: models.QuerySet[Any]


def _key_of(row: models.Model, natural_key: NaturalKey | None) -> Hashable | None:
    return None if natural_key is None else getattr(row, natural_key.field)


def _holders(natural_key: NaturalKey, keys: Iterable[Hashable]) -> dict[Hashable, Any]:
    lookup = {f"{natural_key.field}__in": list(keys)}
    return {getattr(row, natural_key.field): row for row in natural_key.scope.filter(**lookup)}


def insert_new_rows[Row: models.Model](
    *,
    queryset: models.QuerySet[Row],
    rows: Mapping[int, Row],
    record_created: Callable[[list[Row]], None],
    natural_key: NaturalKey | None = None,
) -> dict[int, Outcome[Row]]:
    """Store ``rows`` (unsaved, ids generated by the caller) with one ``INSERT ... ON CONFLICT
    DO NOTHING RETURNING`` the ids stored (`apps.core.statements.insert_new`): a row whose id
    comes back is ours, answered with itself. Only the others (refused by a unique
    constraint: another request stored that client_id first, or took the natural key) are
    read back from ``queryset`` (the sender's own rows) by client_id. ``record_created`` gets
    the created rows inside the same transaction (the record-change outbox). Rows whose
    natural key is already held are not sent to the INSERT. Queries: (natural key) one read
    of the keys taken, the INSERT, and only when a row was not stored, the read-back and (a
    key lost to a concurrent request) one read of who holds it."""
    if not rows:
        return {}
    # Inside a caller's transaction (`POST sync/` writes every kind in one), no savepoint:
    # nothing here is expected to fail, and a failure fails the caller's transaction whole.
    with transaction.atomic(savepoint=False):
        taken: dict[Hashable, Any] = {}
        if natural_key is not None:
            taken = _holders(natural_key, {_key_of(row, natural_key) for row in rows.values()})
        insertable = [row for row in rows.values() if _key_of(row, natural_key) not in taken]
        stored = insert_new(insertable)
        saved = {row.client_id: row for row in insertable if row.pk in stored}  # type: ignore[attr-defined]
        refused = [row.client_id for row in rows.values() if row.client_id not in saved]  # type: ignore[attr-defined]
        if refused:  # read who holds those client_ids (another request, or nobody)
            saved |= {row.client_id: row for row in queryset.filter(client_id__in=refused)}  # type: ignore[attr-defined]
        if natural_key is not None:
            lost = [
                _key_of(row, natural_key)
                for row in rows.values()
                if row.client_id not in saved and _key_of(row, natural_key) not in taken  # type: ignore[attr-defined]
            ]
            if lost:  # lost a race on the key: read who holds it
                taken |= _holders(natural_key, lost)
        outcomes = {index: _outcome(row, saved, taken, natural_key) for index, row in rows.items()}
        created = [
            row for index, row in rows.items() if outcomes[index].status == ItemStatus.CREATED
        ]
        if created:
            record_created(created)
    return outcomes


def _outcome[Row: models.Model](
    row: Row,
    saved: Mapping[uuid.UUID, Row],
    taken: Mapping[Hashable, Any],
    natural_key: NaturalKey | None,
) -> Outcome[Row]:
    stored = saved.get(row.client_id)  # type: ignore[attr-defined]
    if stored is not None and stored.pk == row.pk:
        return Outcome(ItemStatus.CREATED, stored)
    if stored is not None:  # stored concurrently by another request
        return Outcome(ItemStatus.UNCHANGED, stored)
    key = _key_of(row, natural_key)
    if key is not None and key in taken:
        return Outcome(ItemStatus.CONFLICT, taken[key])
    return Outcome(ItemStatus.INVALID, None)


def resolve_repeats(
    results: list[ItemResult | None],
    repeats: Mapping[int, tuple[RepeatKind, int]],
    *,
    not_stored: StrOrPromise,
    own_advice: Mapping[int, list[dict[str, Any]]] | None = None,
) -> None:
    """Answer each repeat (in place) from its earlier item's result: a repeated client_id
    gets what the first got (``created`` becomes ``unchanged``), a repeated natural key is a
    ``conflict`` with the earlier row, carrying its own advice (``own_advice``); a repeat of
    an item that was not stored is ``invalid`` with ``not_stored``."""
    own_advice = own_advice or {}
    for index, (kind, earlier_index) in repeats.items():
        earlier = results[earlier_index]
        if earlier is None:  # pragma: no cover - the earlier item is always answered first
            raise RuntimeError("a repeat's earlier item has no result")
        advice = own_advice.get(index) if kind == "key" else earlier.advice
        if earlier.status == ItemStatus.INVALID:
            results[index] = ItemResult(
                ItemStatus.INVALID, errors={NON_FIELD: [not_stored]}, advice=advice
            )
        elif kind == "key":
            results[index] = ItemResult(
                ItemStatus.CONFLICT, id=earlier.id, advice=advice, obj=earlier.obj
            )
        else:
            status = (
                ItemStatus.UNCHANGED if earlier.status == ItemStatus.CREATED else earlier.status
            )
            results[index] = ItemResult(status, id=earlier.id, advice=advice, obj=earlier.obj)


def in_order(results: Sequence[ItemResult | None]) -> list[ItemResult]:
    """The answered results in request order (every item is answered once resolved)."""
    return [result for result in results if result is not None]
