"""The record-change outbox (`RecordChange`): its write, its claim and the after-commit kick.

Every accepted write of an episode's record writes one row, in the writer's own transaction
(`apps.episodes.services.episode_record_changed`), so the row commits with the data or not at
all. A higher app that acts on changes (the flag engine) claims pending rows with
`record_changes_claim`, and marks them with `record_changes_processed` or
`record_changes_failed`. apps.episodes imports no higher app: the flag engine registers an
after-commit *kick* here (`register_record_change_kick`, from its AppConfig.ready()), which
only says "look now"; a kick lost with the broker changes nothing, because the row is the
queue and the minute beat tick claims it anyway.

Claim (the pattern of apps/reminders/claim.py): in one transaction, read the ids of pending
rows whose ``available_at`` has passed (``SELECT … FOR UPDATE SKIP LOCKED`` where the database
has row locks, so concurrent claimers take different rows), then a conditional UPDATE of those
still pending and still due (the claim itself where there are no row locks: a row another
claimer took meanwhile has a future ``available_at`` and is not updated), and a read-back of
the rows holding our token. A claim sets ``claimed_at`` and moves ``available_at`` to the end
of its lease: a worker that dies mid-evaluation leaves its rows to be claimed again once the
lease has run out, and the next claim logs each such row with the instant of the claim that
was abandoned (``claimed_at``; a row that kills its worker never reaches
``record_changes_failed``, which is where failures are logged otherwise).

Settings (``settings.RECORD_CHANGES``, defaults below) are read on every call.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.hooks import Hook
from apps.core.statements import insert_rows
from apps.episodes.models import Episode, RecordChange

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, float] = {
    # A claim's lease: rows of a worker that died are claimable again after this long. Longer
    # than a batch takes to evaluate (and than the task's soft time limit, 120 s).
    "LEASE_SECONDS": 180,
    # Rows claimed per batch (one transaction), batches per run, and a run's time budget.
    "BATCH_SIZE": 100,
    "MAX_BATCHES": 20,
    "MAX_SECONDS": 60,
    # A failed attempt waits RETRY_BASE_SECONDS × 2^(attempts-1), at most RETRY_MAX_SECONDS.
    "RETRY_BASE_SECONDS": 15,
    "RETRY_MAX_SECONDS": 900,
    # From this many attempts on, each further failure is logged at ERROR.
    "ERROR_AFTER_ATTEMPTS": 3,
    # Processed rows are deleted after this many days (the health check reads recent ones).
    "KEEP_PROCESSED_DAYS": 7,
    "PRUNE_BATCH_SIZE": 1000,
}


@dataclass(frozen=True)
class RecordChangeConfig:
    lease: dt.timedelta
    batch_size: int
    max_batches: int
    max_seconds: float
    retry_base: dt.timedelta
    retry_max: dt.timedelta
    error_after_attempts: int
    keep_processed: dt.timedelta
    prune_batch_size: int

    def backoff(self, attempts: int) -> dt.timedelta:
        """How long a row waits after its ``attempts``-th attempt failed."""
        factor: int = 2 ** min(max(attempts - 1, 0), 30)
        return min(self.retry_base * factor, self.retry_max)


def record_change_config() -> RecordChangeConfig:
    merged = {**DEFAULTS, **getattr(settings, "RECORD_CHANGES", {})}
    return RecordChangeConfig(
        lease=dt.timedelta(seconds=float(merged["LEASE_SECONDS"])),
        batch_size=int(merged["BATCH_SIZE"]),
        max_batches=int(merged["MAX_BATCHES"]),
        max_seconds=float(merged["MAX_SECONDS"]),
        retry_base=dt.timedelta(seconds=float(merged["RETRY_BASE_SECONDS"])),
        retry_max=dt.timedelta(seconds=float(merged["RETRY_MAX_SECONDS"])),
        error_after_attempts=int(merged["ERROR_AFTER_ATTEMPTS"]),
        keep_processed=dt.timedelta(days=float(merged["KEEP_PROCESSED_DAYS"])),
        prune_batch_size=int(merged["PRUNE_BATCH_SIZE"]),
    )


# --- The write and the kick -----------------------------------------------------------------------

#: The after-commit kick (apps.core.hooks.Hook, the project's one registry): each listener
#: is called with None after the commit of every transaction that wrote a change row. Unlike
#: `Hook.fire`, each listener's failure is logged and swallowed (the row is the queue).
record_change_committed: Hook[None] = Hook("episodes.record_change_committed")


def register_record_change_kick(kick: Callable[[None], None]) -> None:
    """Run ``kick(None)`` after the commit of every transaction that wrote a change row (a
    higher app's AppConfig.ready() calls this; registering the same callable twice is a
    no-op). A kick must not need the row: it only hastens the claim."""
    record_change_committed.register(kick)


def _run_kicks() -> None:
    for listener in record_change_committed.listeners:
        try:
            listener(None)
        except Exception as error:  # noqa: BLE001 - the row is the queue; the tick claims it
            logger.warning(
                "record change kick failed (%s); the beat tick will claim the change",
                type(error).__name__,
            )


#: The change row `record_change_with_statement` wrote with its statement, for the writer's
#: hook call in its block.
_WRITTEN: ContextVar[RecordChange | None] = ContextVar("record_change_written", default=None)


def record_change_write(*, episode: Episode, changed_dates: Iterable[dt.date]) -> RecordChange:
    """Store the change row of one write (earliest changed date; none = the whole episode) in
    the current transaction, and kick the claim after it commits. In the block of
    `record_change_with_statement` for the same change, the row is the one its statement
    wrote (only the kick is left to do)."""
    dates = list(changed_dates)
    from_date = min(dates) if dates else None
    written = _WRITTEN.get()
    if written is not None and (written.episode_id, written.from_date) == (episode.pk, from_date):
        # Written with the writer's statement (`record_change_with_statement`), committed.
        _WRITTEN.set(None)  # once
        if record_change_committed.listeners:
            transaction.on_commit(_run_kicks)  # outside a transaction: now
        return written
    if not transaction.get_connection().in_atomic_block:
        # The data committed on its own already: the row still makes the change durable.
        logger.warning("record change written outside the writer's transaction")
    change = RecordChange.objects.create(episode_id=episode.pk, from_date=from_date)
    if record_change_committed.listeners:
        transaction.on_commit(_run_kicks)
    return change


@contextmanager
def record_change_with_statement(
    insert: tuple[str, Sequence[Any]],
    *,
    episode: Episode,
    changed_dates: Iterable[dt.date],
    also: Sequence[tuple[str, str, Sequence[Any]]] = (),
) -> Iterator[RecordChange | None]:
    """Run the writer's one INSERT statement (``insert``: SQL and parameters, no RETURNING)
    and its change row now, committed together; then the block, in which the writer calls
    its hook (`record_change_write`, through `episode_record_changed`) as after any accepted
    write: with the same episode and dates, that call finds its row written and only
    schedules the kick. The block gets the change row, or None when ``insert`` wrote no row
    (``ON CONFLICT DO NOTHING`` met a conflict): then nothing was written.

    On PostgreSQL the two are ONE statement, a data-modifying CTE (``WITH written AS (INSERT …
    RETURNING 1) INSERT INTO <change row> SELECT … FROM written``): atomic on its own, so the
    busiest write costs one round trip and no BEGIN/COMMIT. ``also`` adds more of the write
    to it, as further CTEs ``(name, sql, params)``, each an INSERT that selects ``FROM
    written`` (PostgreSQL only). Elsewhere (SQLite) the INSERT and the change row in one
    transaction. Inside a caller's transaction it is a savepoint either way, so a refusal by
    a unique index (IntegrityError on entering, nothing written, the block not run) leaves
    that transaction usable."""
    dates = list(changed_dates)
    change = RecordChange(episode_id=episode.pk, from_date=min(dates) if dates else None)
    if connection.vendor == "postgresql":
        written = _insert_with_change(insert, change, also)
    elif also:
        raise ValueError("more parts of a write in its statement: PostgreSQL only")
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(*insert)
            written = bool(cursor.rowcount)
            if written:
                change.save(force_insert=True)
    token = _WRITTEN.set(change if written else None)
    try:
        yield change if written else None
    finally:
        _WRITTEN.reset(token)


def _insert_with_change(
    insert: tuple[str, Sequence[Any]],
    change: RecordChange,
    also: Sequence[tuple[str, str, Sequence[Any]]],
) -> bool:
    head, row, change_params = insert_rows(RecordChange, [change])
    pk = connection.ops.quote_name(str(RecordChange._meta.pk.column))
    more = "".join(f", {name} AS ({sql})" for name, sql, _ in also)
    # The parts are the writers' (SQL of the ORM's compiler, apps.core.statements): names
    # from the models, every value a parameter.
    sql = (
        f"WITH written AS ({insert[0]} RETURNING 1){more} "  # noqa: S608
        f"{head} SELECT {row[1:-1]} FROM written RETURNING {pk}"
    )
    params = [*insert[1], *(p for _, _, ps in also for p in ps), *change_params]
    with (
        transaction.atomic() if connection.in_atomic_block else nullcontext(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return False
    (change.pk,) = found
    change._state.adding = False
    change._state.db = connection.alias
    return True


# --- The claim ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedChange:
    id: int
    episode_id: uuid.UUID
    from_date: dt.date | None
    attempts: int


@dataclass
class RecordChangeClaim:
    token: uuid.UUID
    claimed_at: dt.datetime
    rows: list[ClaimedChange] = field(default_factory=list)

    def by_episode(self) -> dict[uuid.UUID, list[ClaimedChange]]:
        grouped: dict[uuid.UUID, list[ClaimedChange]] = {}
        for row in self.rows:
            grouped.setdefault(row.episode_id, []).append(row)
        return grouped


def record_changes_claim(
    *, limit: int, lease: dt.timedelta, now: dt.datetime | None = None
) -> RecordChangeClaim:
    """Claim up to ``limit`` pending rows whose time has come, oldest first, for ``lease``.
    Each claim counts as an attempt. See the module docstring for how two claimers never take
    the same row."""
    now = now or timezone.now()
    claim = RecordChangeClaim(token=uuid.uuid4(), claimed_at=now)
    with transaction.atomic():
        due = RecordChange.objects.filter(processed_at__isnull=True, available_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        pending = list(
            due.order_by("available_at", "id").values_list("id", "claim_token", "claimed_at")[
                :limit
            ]
        )
        if not pending:
            return claim
        ids = [row_id for row_id, _token, _claimed_at in pending]
        # A due row that still holds a token: its last claim (``claimed_at``) neither finished
        # nor failed before its lease ran out, i.e. the worker died or overran the lease.
        abandoned = {row_id: at for row_id, token, at in pending if token is not None and at}
        RecordChange.objects.filter(
            id__in=ids, processed_at__isnull=True, available_at__lte=now
        ).update(
            claim_token=claim.token,
            claimed_at=now,
            available_at=now + lease,
            attempts=F("attempts") + 1,
        )
        claim.rows = [
            ClaimedChange(*values)
            for values in RecordChange.objects.filter(id__in=ids, claim_token=claim.token)
            .order_by("id")
            .values_list("id", "episode_id", "from_date", "attempts")
        ]
    _log_abandoned(claim, abandoned)
    return claim


def _log_abandoned(claim: RecordChangeClaim, abandoned: dict[int, dt.datetime]) -> None:
    """Say which of the claimed rows a previous claim left unfinished: a row that kills or
    stalls its worker never reaches ``record_changes_failed``, so without this it would be
    retried at every lease in silence. ERROR from ``ERROR_AFTER_ATTEMPTS`` on, as a failure."""
    if not abandoned:
        return
    config = record_change_config()
    for row in claim.rows:
        if row.id in abandoned:
            level = logging.ERROR if row.attempts > config.error_after_attempts else logging.WARNING
            logger.log(
                level,
                "record change %s: the claim of %s ran out its lease unfinished; now attempt %d",
                row.id,
                abandoned[row.id].isoformat(),
                row.attempts,
            )


#: Read models kept from the outbox (apps.dashboard's patient summaries): each listener is
#: called with the ids of the episodes whose rows are about to be marked processed, inside
#: the marking's transaction, so what it refreshes commits with the marking or not at all. A
#: listener's exception propagates (`Hook.fire`): nothing is marked, the rows stay pending.
record_changes_applied: Hook[list[uuid.UUID]] = Hook("episodes.record_changes_applied")


def record_changes_processed(*, ids: Sequence[int], now: dt.datetime | None = None) -> int:
    """Mark claimed rows processed (their evaluation is stored). A row whose lease ran out and
    that another claimer holds now is marked too: an evaluation that finished after the row
    was written has seen its data. Before marking, in the same transaction, the listeners of
    `record_changes_applied` refresh what they keep for the rows' episodes. Returns how many
    rows were marked."""
    if not ids:
        return 0
    pending = RecordChange.objects.filter(id__in=list(ids), processed_at__isnull=True)
    with transaction.atomic():
        if record_changes_applied.listeners:
            episodes = sorted(set(pending.values_list("episode_id", flat=True)), key=str)
            if episodes:
                record_changes_applied.fire(episodes)
        return pending.update(processed_at=now or timezone.now(), claim_token=None)


def record_changes_failed(
    *,
    claim: RecordChangeClaim,
    rows: Sequence[ClaimedChange],
    error: BaseException,
    config: RecordChangeConfig | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The evaluation of these claimed rows raised: make them claimable again after a backoff
    that grows with their attempts, and log it (row ids and the error's class, nothing else).
    Rows another claimer holds meanwhile are left to it. Never drops a row."""
    config = config or record_change_config()
    now = now or timezone.now()
    name = type(error).__name__[:100]
    for row in rows:
        retry_at = now + config.backoff(row.attempts)
        RecordChange.objects.filter(
            id=row.id, claim_token=claim.token, processed_at__isnull=True
        ).update(available_at=retry_at, claim_token=None, last_error=name)
        level = logging.ERROR if row.attempts >= config.error_after_attempts else logging.WARNING
        logger.log(
            level,
            "record change %s failed on attempt %d (%s); retrying at %s",
            row.id,
            row.attempts,
            name,
            retry_at.isoformat(),
        )


def record_changes_prune(*, now: dt.datetime | None = None) -> int:
    """Delete processed rows older than KEEP_PROCESSED_DAYS, one batch. Returns how many."""
    config = record_change_config()
    cutoff = (now or timezone.now()) - config.keep_processed
    ids = list(
        RecordChange.objects.filter(processed_at__lt=cutoff).values_list("id", flat=True)[
            : config.prune_batch_size
        ]
    )
    if not ids:
        return 0
    return RecordChange.objects.filter(id__in=ids).delete()[0]
