"""Advice in the check-in request: which emergency and urgent rules a check-in meets, with
the patient's message, before it is stored. Reads only; the flags themselves are opened by the
engine (apps/flags/engine.py) when the write's record change is evaluated."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import fields, replace
from typing import Any

from apps.checkins.models import CheckIn
from apps.flags.rules import (
    IMMEDIATE_RULES,
    RULES_BY_CODE,
    Severity,
    Thresholds,
    evaluate_rules,
    patient_message,
    severity_of,
    thresholds_in_force,
)
from apps.flags.selectors import snapshots_for_checkins
from apps.flags.snapshot import CheckInData, EpisodeSnapshot


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
    checkins = list(checkins)
    if not checkins:
        return {}
    alongside = list(alongside)
    thresholds = thresholds_in_force()
    with_episode = [c for c in [*checkins, *alongside] if c.episode_id is not None]
    snapshots = snapshots_for_checkins(with_episode, thresholds=thresholds)
    pending: dict[Any, dict[dt.date, CheckInData]] = defaultdict(dict)
    for checkin in alongside:
        pending[checkin.episode_id][checkin.date] = _data_of(checkin)
    # Each episode's stored check-ins with the pending ones in place, built once.
    bases = {
        pk: replace(snapshot, checkins={**snapshot.checkins, **pending[pk]})
        if pending[pk]
        else snapshot
        for pk, snapshot in snapshots.items()
    }
    return {
        checkin.id: _advice_items(_snapshot_of(checkin, bases.get(checkin.episode_id)), thresholds)
        for checkin in checkins
    }


_CHECKIN_FIELDS = [f.name for f in fields(CheckInData)]


def _data_of(checkin: CheckIn) -> CheckInData:
    values = {name: getattr(checkin, name) for name in _CHECKIN_FIELDS}
    values["painful_sides"] = frozenset(values["painful_sides"] or ())
    values["red_flags"] = frozenset(values["red_flags"] or ())
    return CheckInData(**values)


def _snapshot_of(checkin: CheckIn, base: EpisodeSnapshot | None) -> EpisodeSnapshot:
    """The snapshot the check-in is judged on: its episode's (``base``) on its date, with it in
    place of what the date holds; its own values alone when it has no episode."""
    data = _data_of(checkin)
    if base is None:  # no episode: its own values alone
        return EpisodeSnapshot(
            episode_id=None,  # type: ignore[arg-type]  # advice alone, never evaluated or stored
            patient_id=checkin.patient_id,
            evaluated_on=checkin.date,
            today=checkin.date,
            affected_side="",
            symptom_onset_date=None,
            home_treatment_started_on=None,
            checkins={checkin.date: data},
        )
    if base.checkins.get(checkin.date) == data:  # stored, or pending as it is
        return base.for_date(checkin.date)
    # Refused or not yet stored: itself in place of what the date holds.
    return replace(base, evaluated_on=checkin.date, checkins={**base.checkins, checkin.date: data})


def _advice_items(snapshot: EpisodeSnapshot, thresholds: Thresholds) -> list[dict[str, Any]]:
    """The immediate rules that hold on ``snapshot``, most severe first."""
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
    items.sort(key=lambda item: Severity.rank_of(item["severity"]))
    return items
