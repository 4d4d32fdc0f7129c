"""What is due: a pure function over plain values (``due_questionnaires``) and the reads
that feed it (``due_for_patients``: a fixed number of queries for any number of patients).

A schedule rule (the deployment's ``OUTCOMES["SCHEDULE"]`` or the episode's own) says, for
one instrument: ``baseline`` (due when the episode starts), ``every_days`` (due every N days
from the symptom onset while the episode is active), ``at_resolution`` (due on the
resolution date) and ``after_resolution_every_months`` for ``after_resolution_months``
(surveillance after recovery, e.g. the joint check). Each occasion is due from its date
until ``expiry_days`` later and is met by any response to the instrument in that window;
one-off requests likewise, from their request date to their expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

REASON_ORDER = ("requested", "baseline", "resolution", "scheduled", "surveillance")


@dataclass(frozen=True)
class EpisodeFacts:
    started_on: dt.date  # the patient's local date the episode was created (enrolment)
    onset: dt.date
    resolved_on: dt.date | None


@dataclass(frozen=True)
class RequestFacts:
    instrument: str
    requested_on: dt.date
    expires_on: dt.date


@dataclass(frozen=True)
class Due:
    instrument: str
    due_on: dt.date
    expires_on: dt.date
    reason: str


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _occasions(
    rule: Mapping[str, Any], episode: EpisodeFacts, today: dt.date
) -> list[tuple[dt.date, str]]:
    """The occasions of one rule on or before ``today`` that can still be due (the latest of
    each kind)."""
    found: list[tuple[dt.date, str]] = []
    resolved = episode.resolved_on
    if rule.get("baseline"):
        found.append((episode.started_on, "baseline"))
    every = rule.get("every_days")
    if every:
        last_active = min(today, resolved - dt.timedelta(days=1)) if resolved else today
        periods = (last_active - episode.onset).days // every
        if periods >= 1:
            day = episode.onset + dt.timedelta(days=periods * every)
            if day > episode.started_on:
                found.append((day, "scheduled"))
    if resolved is not None and rule.get("at_resolution"):
        found.append((resolved, "resolution"))
    step = rule.get("after_resolution_every_months")
    if resolved is not None and step:
        months = int(rule.get("after_resolution_months") or 24)
        latest = None
        for month in range(step, months + 1, step):
            day = add_months(resolved, month)
            if day > today:
                break
            latest = day
        if latest is not None:
            found.append((latest, "surveillance"))
    return [(day, reason) for day, reason in found if day <= today]


def _met(
    answered: Mapping[str, list[dt.date]], instrument: str, start: dt.date, end: dt.date
) -> bool:
    return any(start <= day <= end for day in answered.get(instrument, ()))


def _scheduled(
    rules: Sequence[Mapping[str, Any]],
    episode: EpisodeFacts,
    today: dt.date,
    answered: Mapping[str, list[dt.date]],
    expiry_days: int,
) -> list[Due]:
    """The rules' occasions still open today and not met."""
    found = []
    for rule in rules:
        code = str(rule["instrument"])
        for day, reason in _occasions(rule, episode, today):
            expires = day + dt.timedelta(days=expiry_days)
            if today <= expires and not _met(answered, code, day, expires):
                found.append(Due(code, day, expires, reason))
    return found


def due_questionnaires(
    *,
    rules: Sequence[Mapping[str, Any]],
    episode: EpisodeFacts | None,
    today: dt.date,
    responses: Iterable[tuple[str, dt.date]],
    requests: Iterable[RequestFacts] = (),
    expiry_days: int = 7,
    available: frozenset[str] | None = None,
) -> list[Due]:
    """What the patient should answer today: one entry per instrument (the most pressing
    reason when several apply), each occasion due from its date until ``expiry_days`` after
    it and met by a response to the instrument on a date in that window. ``available``
    (instrument codes with wording) leaves out what the patient could not answer."""
    answered: dict[str, list[dt.date]] = {}
    for instrument, day in responses:
        answered.setdefault(instrument, []).append(day)
    candidates = _scheduled(rules, episode, today, answered, expiry_days) if episode else []
    for request in requests:
        if request.requested_on <= today <= request.expires_on and not _met(
            answered, request.instrument, request.requested_on, request.expires_on
        ):
            candidates.append(
                Due(request.instrument, request.requested_on, request.expires_on, "requested")
            )
    best: dict[str, Due] = {}
    for due in sorted(candidates, key=lambda d: (REASON_ORDER.index(d.reason), d.due_on)):
        if available is not None and due.instrument not in available:
            continue
        best.setdefault(due.instrument, due)
    return sorted(best.values(), key=lambda d: (d.due_on, d.instrument))
