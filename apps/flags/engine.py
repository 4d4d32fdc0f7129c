"""The flag engine: evaluate an episode's rules for its local dates and store the outcome.

`episode_evaluate` (one episode, the record-change consumer), `episodes_evaluate_today` (the
nightly sweep, a batch), both through `evaluate_snapshots`: the rules run first (pure), then
one transaction stores the evaluation records and walks each rule's flags
(apps/flags/walk.py, by the table of apps/flags/state_machine.py). Dedup is the database's
job: a partial unique constraint allows one open or acknowledged flag per episode and rule,
so two evaluations at once leave one flag.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.flags.models import LIVE_STATUSES, Evaluation, Flag, FlagStatus, Resolution
from apps.flags.rules import (
    ALL_RULES,
    RULES_BY_CODE,
    RuleResult,
    Thresholds,
    evaluate_rules,
    severity_of,
    thresholds_in_force,
)
from apps.flags.selectors import build_snapshot, build_snapshots_for_today
from apps.flags.snapshot import EpisodeSnapshot
from apps.flags.walk import EvaluationOutcome, FlagWrites, apply_rule

#: A late change re-evaluates at most this many local dates back (check-ins and sessions may
#: be up to 30 days late; a plan may start long ago, but its effect on old dates is history).
MAX_EVALUATED_DAYS = 60


def dates_to_evaluate(
    *, today: dt.date, earliest: dt.date | None, latest_with_data: dt.date | None
) -> list[dt.date]:
    """The local dates an evaluation covers: ``earliest`` (or the latest date with data, or
    today) through today, never more than MAX_EVALUATED_DAYS."""
    start = earliest or latest_with_data or today
    start = max(min(start, today), today - dt.timedelta(days=MAX_EVALUATED_DAYS - 1))
    return [start + dt.timedelta(days=n) for n in range((today - start).days + 1)]


def episode_evaluate(
    *,
    episode_id: uuid.UUID | str,
    dates: Iterable[dt.date] | None = None,
    nightly: bool = False,
    thresholds: Thresholds | None = None,
) -> EvaluationOutcome:
    """Evaluate every rule for the given local dates of an episode (default: from its latest
    date with a check-in through today) and store the outcome. Idempotent: evaluating twice
    leaves what evaluating once leaves (timestamps aside)."""
    thresholds = thresholds or thresholds_in_force()
    wanted = sorted(set(dates or []))
    snapshot = build_snapshot(
        episode_id=episode_id,
        date_from=wanted[0] if wanted else None,
        thresholds=thresholds,
        nightly=nightly,
    )
    if snapshot is None:
        return EvaluationOutcome()
    today = snapshot.today
    if not wanted:
        latest = max((d for d in snapshot.checkins if d <= today), default=None)
        wanted = dates_to_evaluate(today=today, earliest=None, latest_with_data=latest)
        if wanted[0] < today:
            # The first snapshot was built for today only: widen it to the dates wanted.
            snapshot = build_snapshot(
                episode_id=episode_id, date_from=wanted[0], thresholds=thresholds, nightly=nightly
            )
            if snapshot is None:  # the episode went in between
                return EvaluationOutcome()
    wanted = [d for d in wanted if d <= today][-MAX_EVALUATED_DAYS:]
    return evaluate_snapshot(snapshot=snapshot, dates=wanted, thresholds=thresholds)


def evaluate_snapshot(
    *, snapshot: EpisodeSnapshot, dates: list[dt.date], thresholds: Thresholds
) -> EvaluationOutcome:
    """Evaluate the rules on ``snapshot`` for ``dates`` (ascending) and store the outcome: the
    batch path (`evaluate_snapshots`) with one episode."""
    [outcome] = evaluate_snapshots(items=[(snapshot, dates)], thresholds=thresholds)
    return outcome


def episodes_evaluate_today(*, episode_ids: Sequence[Any], thresholds: Thresholds) -> int:
    """Evaluate each episode for its patient's local today, as one batch (`evaluate_snapshots`:
    one transaction). The nightly sweep's step, and the cohort generator's for large cohorts.
    Returns how many episodes were evaluated."""
    snapshots = build_snapshots_for_today(episode_ids=list(episode_ids), thresholds=thresholds)
    evaluate_snapshots(
        items=[(snapshot, [snapshot.today]) for snapshot in snapshots], thresholds=thresholds
    )
    return len(snapshots)


def evaluate_snapshots(
    *, items: Sequence[tuple[EpisodeSnapshot, list[dt.date]]], thresholds: Thresholds
) -> list[EvaluationOutcome]:
    """Evaluate the rules on each snapshot for its dates (ascending) and store the outcomes,
    one `EvaluationOutcome` per item, in order. Each episode at most once.

    The rules run first (pure, no transaction open). Then one transaction for the whole
    batch: one upsert of every evaluation record, one SELECT ... FOR UPDATE of the batch's
    flags, each episode's flags walked in memory, and the rows that changed written together
    (one UPDATE per set of changed columns, one INSERT of the new flags). The nightly sweep
    passes 200 episodes at once: a transaction of ~5 statements per episode was most of its
    time (docs/benchmarks.md). Rows are locked in (episode, ...) order, the order a
    single-episode evaluation also uses, so two evaluations wait for each other rather than
    deadlock."""
    episode_ids = [snapshot.episode_id for snapshot, _ in items]
    if len(set(episode_ids)) != len(episode_ids):
        raise ValueError("evaluate_snapshots takes each episode at most once")
    results = [
        {day: evaluate_rules(snapshot.for_date(day), thresholds, ALL_RULES) for day in dates}
        for snapshot, dates in items
    ]
    outcomes = [EvaluationOutcome(dates=list(dates)) for _, dates in items]
    if not items:
        return outcomes
    with transaction.atomic():
        snapshots = [snapshot for snapshot, _ in items]
        _store_evaluations(list(zip(snapshots, results, strict=True)))
        flags_by_episode = _lock_flags(episode_ids)
        writes = FlagWrites()
        for (snapshot, dates), by_date, outcome in zip(items, results, outcomes, strict=True):
            flags = flags_by_episode.get(snapshot.episode_id, [])
            writes.track(flags)
            live = {flag.rule: flag for flag in flags if flag.status in LIVE_STATUSES}
            resolved: dict[str, Flag] = {}
            for flag in flags:
                if flag.status == FlagStatus.RESOLVED:
                    resolved[flag.rule] = flag  # ordered by opened_at: the latest wins
            for rule in ALL_RULES:
                apply_rule(
                    rule=rule,
                    snapshot=snapshot,
                    per_date=[(day, by_date[day][rule.code]) for day in dates],
                    live=live.get(rule.code),
                    resolved=resolved.get(rule.code),
                    outcome=outcome,
                    writes=writes,
                )
        writes.flush()
    return outcomes


def _lock_flags(episode_ids: list[Any]) -> dict[Any, list[Flag]]:
    """The episodes' flags (withdrawn ones aside), locked, by episode, oldest first. One query;
    rows are locked in the order of the ORDER BY."""
    by_episode: dict[Any, list[Flag]] = defaultdict(list)
    flags = (
        Flag.objects.select_for_update()
        .filter(episode_id__in=episode_ids)
        .exclude(resolution=Resolution.WITHDRAWN)
        .order_by("episode_id", "opened_at", "id")
    )
    for flag in flags:
        by_episode[flag.episode_id].append(flag)
    return by_episode


def _store_evaluations(
    evaluated: list[tuple[EpisodeSnapshot, dict[dt.date, dict[str, RuleResult]]]],
) -> None:
    """Replace the evaluation record of each episode and date (one row per episode and date).

    One INSERT ... ON CONFLICT (episode, date) DO UPDATE for every record: no read of the old
    records (the nightly sweep writes one per active episode, and reading them first cost
    as much as the rest of its evaluation; scripts/bench.py profile), and a concurrent
    evaluation of the same date is settled by the unique constraint. Rows go in (episode,
    date) order so that two evaluations lock them in the same order."""
    records = []
    for snapshot, results in evaluated:
        for day, by_rule in results.items():
            values = {
                "held": {
                    code: {
                        "reason": result.reason,
                        "severity": str(severity_of(RULES_BY_CODE[code], result)),
                        "version": RULES_BY_CODE[code].version,
                        "evidence": result.evidence,
                    }
                    for code, result in by_rule.items()
                    if result.holds is True
                },
                "not_held": {code: r.reason for code, r in by_rule.items() if r.holds is False},
                "not_evaluated": {code: r.reason for code, r in by_rule.items() if r.holds is None},
                "nightly": snapshot.nightly and day == snapshot.today,
            }
            records.append(Evaluation(episode_id=snapshot.episode_id, date=day, **values))
    records.sort(key=lambda record: (record.episode_id, record.date))
    Evaluation.objects.bulk_create(
        records,
        update_conflicts=True,
        unique_fields=["episode", "date"],
        update_fields=["held", "not_held", "not_evaluated", "nightly", "updated_at"],
    )


def local_today_of_episode(episode: Episode) -> dt.date:
    return local_today(episode.patient.timezone)
