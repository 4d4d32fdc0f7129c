"""The flag engine: evaluate an episode, store the outcome, tell who needs to know.

Writes (CONVENTIONS.md): `episode_evaluate`, `checkin_advice` (read-only, in the request),
`flag_acknowledge`, `flag_resolve`, the escalation and digest services the tasks call.
Dedup is the database's job: a partial unique constraint allows one open or acknowledged
flag per episode and rule, so two evaluations at once leave one flag.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.exceptions import Conflict
from apps.core.timezones import local_today
from apps.flags.models import LIVE_STATUSES, Evaluation, Flag, FlagStatus, Resolution
from apps.flags.rules import (
    ALL_RULES,
    IMMEDIATE_RULES,
    RULES_BY_CODE,
    Rule,
    RuleResult,
    Severity,
    Thresholds,
    evaluate_rules,
    patient_message,
    severity_of,
    thresholds_in_force,
)
from apps.flags.rules.base import IMMEDIATE_SEVERITIES
from apps.flags.selectors import build_snapshot, build_snapshots_for_today, snapshots_for_checkins
from apps.flags.snapshot import EpisodeSnapshot

logger = logging.getLogger(__name__)

#: A late change re-evaluates at most this many local dates back (check-ins and sessions may
#: be up to 30 days late; a plan may start long ago, but its effect on old dates is history).
MAX_EVALUATED_DAYS = 60
SEVERITY_ORDER = ["emergency", "urgent", "soon", "routine", "info"]
WITHDRAWN_NOTE = (
    "Withdrawn automatically: with the check-ins that arrived later, no evaluated date meets "
    "this rule any more."
)


# --- In the check-in request ----------------------------------------------------------------------


def checkin_advice(
    *, checkins: Iterable[Any], alongside: Iterable[Any] = ()
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Emergency and urgent advice for each given check-in, on its own date.

    Each check-in is evaluated on its episode's stored check-ins with ``alongside`` (check-ins
    about to be stored with it, e.g. the rest of a `sync/` batch) and itself in place, so it
    may be stored or not (a check-in about to be inserted, or a refused one: consent
    withdrawn, a date conflict): nothing is read by its id. A check-in with no episode (none
    active) is evaluated on its own values alone.

    Returns ``{checkin.id: [{"rule", "severity", "message"}, ...]}``, most severe first (an
    empty list when no emergency or urgent rule holds). Reads only: the flags themselves are
    stored by the evaluation of the write's record-change row (apps/flags/record_changes.py).
    Two queries whatever the number of check-ins (episodes with patients, check-ins of the
    windows; none for a check-in whose episode came with it)."""
    from dataclasses import fields, replace

    from apps.flags.snapshot import CheckInData

    checkins = list(checkins)
    if not checkins:
        return {}
    alongside = list(alongside)
    names = [f.name for f in fields(CheckInData)]
    thresholds = thresholds_in_force()
    with_episode = [c for c in [*checkins, *alongside] if c.episode_id is not None]
    snapshots = snapshots_for_checkins(with_episode, thresholds=thresholds)

    def data_of(checkin: Any) -> CheckInData:
        values = {name: getattr(checkin, name) for name in names}
        values["painful_sides"] = frozenset(values["painful_sides"] or ())
        values["red_flags"] = frozenset(values["red_flags"] or ())
        return CheckInData(**values)

    pending: dict[Any, dict[dt.date, CheckInData]] = defaultdict(dict)
    for checkin in alongside:
        pending[checkin.episode_id][checkin.date] = data_of(checkin)
    # Each episode's stored check-ins with the pending ones in place, built once.
    bases = {
        pk: replace(snapshot, checkins={**snapshot.checkins, **pending[pk]})
        if pending[pk]
        else snapshot
        for pk, snapshot in snapshots.items()
    }
    advice: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for checkin in checkins:
        data = data_of(checkin)
        base = bases.get(checkin.episode_id)
        if base is None:  # no episode: its own values alone
            snapshot = EpisodeSnapshot(
                episode_id=None,  # type: ignore[arg-type]
                patient_id=checkin.patient_id,
                evaluated_on=checkin.date,
                today=checkin.date,
                affected_side="",
                symptom_onset_date=None,
                home_treatment_started_on=None,
                checkins={checkin.date: data},
            )
        elif base.checkins.get(checkin.date) == data:  # stored, or pending as it is
            snapshot = base.for_date(checkin.date)
        else:  # refused or not yet stored: itself in place of what the date holds
            snapshot = replace(
                base, evaluated_on=checkin.date, checkins={**base.checkins, checkin.date: data}
            )
        items = []
        for code, result in evaluate_rules(snapshot, thresholds, IMMEDIATE_RULES).items():
            if result.holds:
                rule = RULES_BY_CODE[code]
                items.append(
                    {
                        "rule": code,
                        "severity": str(severity_of(rule, result)),
                        "message": patient_message(rule, result),
                    }
                )
        items.sort(key=lambda item: SEVERITY_ORDER.index(item["severity"]))
        advice[checkin.id] = items
    return advice


# --- Scheduling -----------------------------------------------------------------------------------


def dates_to_evaluate(
    *, today: dt.date, earliest: dt.date | None, latest_with_data: dt.date | None
) -> list[dt.date]:
    """The local dates an evaluation covers: ``earliest`` (or the latest date with data, or
    today) through today, never more than MAX_EVALUATED_DAYS."""
    start = earliest or latest_with_data or today
    start = max(min(start, today), today - dt.timedelta(days=MAX_EVALUATED_DAYS - 1))
    return [start + dt.timedelta(days=n) for n in range((today - start).days + 1)]


# --- The engine -----------------------------------------------------------------------------------


@dataclass
class EvaluationOutcome:
    """What one evaluation did: flags opened, updated and withdrawn (ids), per date results."""

    opened: list[uuid.UUID] = field(default_factory=list)
    updated: list[uuid.UUID] = field(default_factory=list)
    withdrawn: list[uuid.UUID] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)


def episode_evaluate(
    *,
    episode_id: Any,
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
        writes = _FlagWrites()
        for (snapshot, dates), by_date, outcome in zip(items, results, outcomes, strict=True):
            flags = flags_by_episode.get(snapshot.episode_id, [])
            writes.track(flags)
            live = {flag.rule: flag for flag in flags if flag.status in LIVE_STATUSES}
            resolved: dict[str, Flag] = {}
            for flag in flags:
                if flag.status == FlagStatus.RESOLVED:
                    resolved[flag.rule] = flag  # ordered by opened_at: the latest wins
            for rule in ALL_RULES:
                _apply_rule(
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


#: The flag columns an evaluation may change (the rest belong to the care team).
_ENGINE_FIELDS = (
    "rule_version",
    "severity",
    "evidence",
    "patient_message",
    "clinician_summary",
    "opened_for_date",
    "last_seen_at",
    "last_held_on",
    "held_dates",
    "status",
    "resolution",
    "resolved_at",
    "note",
    "cleared_on",
)


def _engine_values(flag: Flag) -> tuple[Any, ...]:
    # held_dates is copied: the walk replaces it, but a copy keeps the comparison honest.
    return tuple(
        list(flag.held_dates) if name == "held_dates" else getattr(flag, name)
        for name in _ENGINE_FIELDS
    )


class _FlagWrites:
    """The flag rows of one evaluation transaction: what was loaded (to write only the columns
    that changed) and the flags to open. Written by `flush`, at the end of the transaction."""

    def __init__(self) -> None:
        self.loaded: dict[uuid.UUID, tuple[Flag, tuple[Any, ...]]] = {}
        self.new: list[tuple[Flag, EvaluationOutcome]] = []

    def track(self, flags: Iterable[Flag]) -> None:
        for flag in flags:
            self.loaded[flag.id] = (flag, _engine_values(flag))

    def open(self, flag: Flag, outcome: EvaluationOutcome) -> None:
        self.new.append((flag, outcome))

    def flush(self) -> None:
        """Updates first (a withdrawn flag must leave the live slot before a new flag for
        its rule takes it), then the new flags."""
        by_columns: dict[tuple[str, ...], list[Flag]] = defaultdict(list)
        for flag, before in self.loaded.values():
            after = _engine_values(flag)
            pairs = zip(_ENGINE_FIELDS, before, after, strict=True)
            changed = tuple(name for name, old, new in pairs if old != new)
            if changed:
                by_columns[changed].append(flag)
        for columns, flags in by_columns.items():
            flags.sort(key=lambda flag: flag.id)
            Flag.objects.bulk_update(flags, columns)
        opened = _insert_flags(self.new)
        _announce_after_commit(opened)


#: The columns `_flag_values` sets: they describe the flag's latest qualifying date.
_LATEST_DATE_FIELDS = (
    "rule_version",
    "severity",
    "evidence",
    "patient_message",
    "clinician_summary",
)


def _flag_values(rule: Rule, result: RuleResult, day: dt.date) -> dict[str, Any]:
    return {
        "rule_version": rule.version,
        "severity": str(severity_of(rule, result)),
        "evidence": {"date": day.isoformat(), "reason": result.reason, **result.evidence},
        "patient_message": patient_message(rule, result),
        "clinician_summary": result.reason[:500],
    }


def _apply_rule(
    *,
    rule: Rule,
    snapshot: EpisodeSnapshot,
    per_date: list[tuple[dt.date, RuleResult]],
    live: Flag | None,
    resolved: Flag | None,
    outcome: EvaluationOutcome,
    writes: _FlagWrites,
) -> None:
    """Walk the evaluated dates in order and open, update, withdraw or re-arm one rule's flag
    (in memory: ``writes`` stores the result).

    - A date that holds updates the live flag (dates, evidence, last_seen_at) or opens one,
      unless it belongs to the course of the last resolved flag (on or before its last held
      date), or that flag has not yet seen a later evaluated date on which the rule did not
      hold (CLINICAL_RULES.md: Dedup).
    - A date that no longer holds leaves the live flag's dates; an open flag left with no
      date is withdrawn (late data showed it never met the rule), so the open flags depend on
      the data, not on the order it arrived in.
    """
    now = timezone.now()
    changed = False
    evidence_stale = False
    opened_here = False
    for day, result in per_date:
        if result.holds is True:
            if live is not None:
                held = set(live.held_dates)
                if day.isoformat() not in held or day >= live.last_held_on:
                    changed = True
                held.add(day.isoformat())
                live.held_dates = sorted(held)
                if day >= live.last_held_on:
                    for name, value in _flag_values(rule, result, day).items():
                        setattr(live, name, value)
                    live.last_held_on = day
                    evidence_stale = False
                live.opened_for_date = min(live.opened_for_date, day)
                live.last_seen_at = now
                continue
            if resolved is not None and day <= resolved.last_held_on:
                continue  # part of the course the care team already resolved
            if resolved is not None and resolved.cleared_on == day:
                # Late data: the day that had stopped the rule now meets it after all.
                resolved.cleared_on = None
            if resolved is not None and (resolved.cleared_on is None or resolved.cleared_on > day):
                continue  # resolved, and the rule has not stopped holding since
            live = _new_flag(rule, snapshot, result, day, now)
            writes.open(live, outcome)
            opened_here = True
            continue
        if result.holds is False:
            if live is not None and day.isoformat() in live.held_dates:
                live.held_dates = [d for d in live.held_dates if d != day.isoformat()]
                changed = True
                if not live.held_dates and live.status == FlagStatus.OPEN:
                    _withdraw(live, now, outcome)
                    live = None
                    continue
                # The flag is for the dates that still hold: its first and last move with them.
                live.opened_for_date = dt.date.fromisoformat(live.held_dates[0])
                if day == live.last_held_on:
                    live.last_held_on = dt.date.fromisoformat(live.held_dates[-1])
                    evidence_stale = True
            if (
                live is None
                and resolved is not None
                and day > resolved.last_held_on
                and (resolved.cleared_on is None or day < resolved.cleared_on)
            ):
                resolved.cleared_on = day
    if live is None:
        return
    if evidence_stale:
        _refresh_evidence(rule, live)
    touched = changed or evidence_stale or live.last_seen_at == now
    if touched and not opened_here and live.id not in outcome.updated:
        outcome.updated.append(live.id)


def _new_flag(
    rule: Rule, snapshot: EpisodeSnapshot, result: RuleResult, day: dt.date, now: dt.datetime
) -> Flag:
    """An open flag for ``rule`` first met on ``day`` (not yet stored)."""
    return Flag(
        episode_id=snapshot.episode_id,
        patient_id=snapshot.patient_id,
        rule=rule.code,
        status=FlagStatus.OPEN,
        opened_at=now,
        opened_for_date=day,
        last_seen_at=now,
        last_held_on=day,
        held_dates=[day.isoformat()],
        **_flag_values(rule, result, day),
    )


def _insert_flags(new: list[tuple[Flag, EvaluationOutcome]]) -> list[Flag]:
    """Store the new flags; returns those stored. One INSERT for all of them, in a savepoint;
    when another evaluation opened one of them meanwhile (the partial unique constraint
    refuses it), each is stored on its own and a refused one updates the winner instead."""
    if not new:
        return []
    new = sorted(new, key=lambda item: (item[0].episode_id, item[0].rule))
    try:
        with transaction.atomic():
            Flag.objects.bulk_create([flag for flag, _ in new])
    except IntegrityError:
        return [flag for flag, outcome in new if _insert_or_merge_flag(flag, outcome)]
    for flag, outcome in new:
        _record_opened(flag, outcome)
    return [flag for flag, _ in new]


def _insert_or_merge_flag(flag: Flag, outcome: EvaluationOutcome) -> bool:
    """Store one new flag; True when stored. When another evaluation opened it between our
    read and our insert, the constraint decided: update theirs with what we saw."""
    try:
        with transaction.atomic():
            flag.save(force_insert=True)
    except IntegrityError:
        winner = Flag.objects.select_for_update().get(
            episode_id=flag.episode_id, rule=flag.rule, status__in=LIVE_STATUSES
        )
        winner.held_dates = sorted({*winner.held_dates, *flag.held_dates})
        if flag.last_held_on >= winner.last_held_on:
            for name in _LATEST_DATE_FIELDS:
                setattr(winner, name, getattr(flag, name))
            winner.last_held_on = flag.last_held_on
        winner.opened_for_date = min(winner.opened_for_date, flag.opened_for_date)
        winner.last_seen_at = flag.last_seen_at
        winner.save()
        outcome.updated.append(winner.id)
        return False
    _record_opened(flag, outcome)
    return True


def _record_opened(flag: Flag, outcome: EvaluationOutcome) -> None:
    outcome.opened.append(flag.id)
    logger.info("flag opened: rule=%s severity=%s flag=%s", flag.rule, flag.severity, flag.id)


def _withdraw(flag: Flag, now: dt.datetime, outcome: EvaluationOutcome) -> None:
    flag.status = FlagStatus.RESOLVED
    flag.resolution = Resolution.WITHDRAWN
    flag.resolved_at = now
    flag.note = WITHDRAWN_NOTE
    outcome.withdrawn.append(flag.id)


def _refresh_evidence(rule: Rule, flag: Flag) -> None:
    """The latest held date changed to one not evaluated in this run: take its evidence from
    that date's evaluation record."""
    record = Evaluation.objects.filter(episode_id=flag.episode_id, date=flag.last_held_on).first()
    stored = record.held.get(rule.code) if record else None
    if stored is None:
        return
    flag.severity = stored["severity"]
    flag.evidence = {
        "date": flag.last_held_on.isoformat(),
        "reason": stored["reason"],
        **stored["evidence"],
    }
    flag.clinician_summary = stored["reason"][:500]


# --- Who hears about it ---------------------------------------------------------------------------


_IMMEDIATE = "immediate"  # the patient by push and the care team, at once
_REMINDER = "reminder"  # an extra check-in reminder to the patient


def _announcement(flag: Flag) -> str | None:
    """How `flag_announce` tells about a new flag at once, or None (soon/routine wait for the
    daily digest; info is dashboard only)."""
    if flag.severity in IMMEDIATE_SEVERITIES:
        return _IMMEDIATE
    if flag.rule == "missed_checkins":
        return _REMINDER
    return None


def _announce_after_commit(flags: list[Flag]) -> None:
    """After commit, announce the new flags that tell someone at once (one read for all)."""
    ids = [flag.id for flag in flags if _announcement(flag) is not None]
    if ids:
        transaction.on_commit(lambda: _announce_new_flags(ids))


def _announce_new_flags(flag_ids: list[uuid.UUID]) -> None:
    found = Flag.objects.select_related("patient__user", "patient__care_team").in_bulk(flag_ids)
    for flag_id in flag_ids:
        if flag_id in found:
            # One transaction per flag, as before: each flag's notifications are stored together.
            with transaction.atomic():
                flag_announce(flag=found[flag_id])


def flag_announce(*, flag: Flag) -> None:
    """Tell who needs to know about a new flag (CLINICAL_RULES.md: What happens on a new flag):
    emergency/urgent — the patient by push and the care team at once; missed_checkins — an
    extra reminder to the patient; soon/routine wait for the daily digest; info is dashboard
    only. Dedup keys carry the flag id, so a retry sends nothing twice."""
    from apps.accounts.selectors import clinicians_of_patient
    from apps.notifications.services import notify

    patient = flag.patient
    data = {"flag_id": str(flag.id), "rule": flag.rule, "severity": flag.severity}
    announcement = _announcement(flag)
    if announcement == _IMMEDIATE:
        notify(
            recipient=patient,
            kind="flag_advice",
            title="Please act on your check-in",
            body=flag.patient_message,
            dedup_key=f"flag:{flag.id}:patient",
            priority="urgent",
            data=data,
            channels=["push"],
        )
        for clinician in clinicians_of_patient(patient):
            notify(
                recipient=clinician,
                kind="flag_new",
                title=f"{flag.severity.capitalize()} flag: {flag.rule}",
                body=f"A patient in your care meets {flag.rule}: {flag.clinician_summary}",
                dedup_key=f"flag:{flag.id}:clinician:{clinician.pk}",
                priority="urgent",
                data=data,
            )
    elif announcement == _REMINDER:
        notify(
            recipient=patient,
            kind="checkin_reminder",
            title="How are you today?",
            body=flag.patient_message,
            dedup_key=f"flag:{flag.id}:patient",
            data=data,
        )


def escalation_delay() -> dt.timedelta:
    """How long an emergency or urgent flag may stay open (not acknowledged) before it is
    escalated: ``settings.FLAG_ESCALATION_DELAY_MINUTES`` (CLINICAL_RULES.md: 4 hours)."""
    minutes = getattr(settings, "FLAG_ESCALATION_DELAY_MINUTES", 240)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise ValueError(f"FLAG_ESCALATION_DELAY_MINUTES must be a whole number ≥ 1: {minutes!r}")
    return dt.timedelta(minutes=minutes)


def _delay_words(delay: dt.timedelta) -> str:
    """The delay in words: 4 hours, 1 hour, 90 minutes."""
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours = minutes // 60
    return f"{hours} hour{'s' * (hours != 1)}"


def flags_escalate_unacknowledged(*, now: dt.datetime | None = None) -> int:
    """Escalate, once, each emergency or urgent flag still open (not acknowledged) the
    escalation delay (`escalation_delay`, 4 hours by default) after it opened, to the clinic
    admins of its patient. A conditional UPDATE claims each flag, so two runs at once escalate
    it once. Returns how many were escalated."""
    from apps.accounts.selectors import clinic_admins_of_patient
    from apps.notifications.services import notify

    now = now or timezone.now()
    delay = escalation_delay()
    cutoff = now - delay
    due = Flag.objects.filter(
        status=FlagStatus.OPEN,
        severity__in=[Severity.EMERGENCY, Severity.URGENT],
        opened_at__lte=cutoff,
        escalated_at__isnull=True,
    ).values_list("id", flat=True)
    escalated = 0
    for flag_id in list(due[:500]):
        with transaction.atomic():
            claimed = Flag.objects.filter(
                pk=flag_id, status=FlagStatus.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue  # acknowledged meanwhile, or another run has it
            flag = Flag.objects.select_related("patient__care_team").get(pk=flag_id)
            for admin in clinic_admins_of_patient(flag.patient):
                notify(
                    recipient=admin,
                    kind="flag_escalation",
                    title=f"Unacknowledged {flag.severity} flag",
                    body=(
                        f"A {flag.severity} flag ({flag.rule}) has not been acknowledged "
                        f"{_delay_words(delay)} after it opened: {flag.clinician_summary}"
                    ),
                    dedup_key=f"flag:{flag.id}:escalation:{admin.pk}",
                    priority="urgent",
                    data={"flag_id": str(flag.id), "rule": flag.rule},
                )
            escalated += 1
    return escalated


#: At most this many flags are quoted one by one in a digest (the rest are counted).
DIGEST_DETAIL_MAX = 20


def flags_send_daily_digests(*, on: dt.date | None = None) -> int:
    """One digest per physiotherapist per day listing their patients' open and acknowledged
    soon and routine flags (counts; the details are in the dashboard). The live flags of a
    rule with ``digest_detail`` (`lost_to_follow_up`: the digest is how the care team hears
    of a silent patient) are also quoted one per line with their clinician summary, the
    rule's numbers. Returns how many digests were stored (a second run the same day stores
    none)."""
    from apps.accounts.models import CareTeamMembership, Role
    from apps.notifications.services import notify

    on = on or timezone.now().date()
    rows = (
        Flag.objects.filter(
            status__in=LIVE_STATUSES, severity__in=[Severity.SOON, Severity.ROUTINE]
        )
        .order_by("opened_at", "id")
        .values_list(
            "id", "rule", "severity", "patient__care_team_id", "opened_at", "clinician_summary"
        )
    )
    by_team: dict[Any, list[tuple]] = defaultdict(list)
    for flag_id, rule, severity, team_id, opened_at, summary in rows:
        by_team[team_id].append((flag_id, rule, severity, opened_at, summary))
    if not by_team:
        return 0
    by_physio: dict[Any, list[tuple]] = defaultdict(list)
    memberships = CareTeamMembership.objects.filter(
        care_team_id__in=list(by_team),
        user__role=Role.PHYSIOTHERAPIST,
        user__is_active=True,
    ).select_related("user")
    users = {}
    for membership in memberships:
        users[membership.user_id] = membership.user
        by_physio[membership.user_id].extend(by_team[membership.care_team_id])
    sent = 0
    since = timezone.now() - dt.timedelta(days=1)
    for user_id, flags in by_physio.items():
        unique = list({item[0]: item for item in flags}.values())
        counts = defaultdict(int)
        by_rule: dict[str, int] = defaultdict(int)
        for _, rule, severity, _, _ in unique:
            counts[severity] += 1
            by_rule[rule] += 1
        new = sum(1 for item in unique if item[3] >= since)
        key = f"flag-digest:{user_id}:{on.isoformat()}"
        before = _notification_exists(key)
        detailed = [item for item in unique if _quoted_in_digest(item[1])]
        notify(
            recipient=users[user_id],
            kind="flag_digest",
            title="Flags to review",
            body=(
                f"{len(unique)} open flags to review ({new} new in the last 24 hours): "
                + ", ".join(f"{counts[s]} {s}" for s in ("soon", "routine") if counts[s])
                + "."
                + _digest_details(detailed)
            ),
            dedup_key=key,
            data={
                "flag_ids": sorted(str(item[0]) for item in unique),
                "rules": dict(sorted(by_rule.items())),
                "detailed_flag_ids": [str(item[0]) for item in detailed[:DIGEST_DETAIL_MAX]],
            },
        )
        sent += not before
    return sent


def _quoted_in_digest(code: str) -> bool:
    rule = RULES_BY_CODE.get(code)
    return rule is not None and rule.digest_detail


def _digest_details(detailed: list[tuple]) -> str:
    """One line per flag of a ``digest_detail`` rule: its rule, severity and clinician summary
    (numbers and dates, no patient identity: the dashboard links the flag ids in the data)."""
    if not detailed:
        return ""
    lines = [
        f"- {rule} ({severity}): {summary}"
        for _, rule, severity, _, summary in detailed[:DIGEST_DETAIL_MAX]
    ]
    if len(detailed) > DIGEST_DETAIL_MAX:
        lines.append(f"- and {len(detailed) - DIGEST_DETAIL_MAX} more in the dashboard")
    return "\n" + "\n".join(lines)


def _notification_exists(dedup_key: str) -> bool:
    from apps.notifications.models import Notification

    return Notification.objects.filter(dedup_key=dedup_key).exists()


# --- Lifecycle (care team) ------------------------------------------------------------------------


def flag_acknowledge(*, flag: Flag, by: Any, note: str = "") -> Flag:
    """The care team has seen the flag and is acting on it. 409 when it is resolved."""
    with transaction.atomic():
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status == FlagStatus.RESOLVED:
            raise Conflict(
                "This flag is resolved; it cannot be acknowledged.", code="flag_resolved"
            )
        if flag.status == FlagStatus.OPEN:
            flag.status = FlagStatus.ACKNOWLEDGED
            flag.acknowledged_by = by
            flag.acknowledged_at = timezone.now()
        if note:
            flag.note = note
        flag.save()
    return flag


def flag_resolve(*, flag: Flag, by: Any, note: str = "") -> Flag:
    """The care team has dealt with the flag. A rule that holds again later opens a new flag
    only after a day on which it did not hold. 409 when it is already resolved."""
    with transaction.atomic():
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status == FlagStatus.RESOLVED:
            raise Conflict("This flag is already resolved.", code="flag_resolved")
        now = timezone.now()
        if flag.acknowledged_at is None:
            flag.acknowledged_by = by
            flag.acknowledged_at = now
        flag.status = FlagStatus.RESOLVED
        flag.resolution = Resolution.CLINICIAN
        flag.resolved_by = by
        flag.resolved_at = now
        if note:
            flag.note = note
        flag.save()
    return flag


def local_today_of_episode(episode: Any) -> dt.date:
    return local_today(episode.patient.timezone)
