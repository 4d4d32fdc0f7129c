"""Questionnaire responses of the synthetic cohort: PSFS, the weekly pain summary and PGIC
answered on the deployment's default schedule (baseline at enrolment, every 14 days from
onset while active, at resolution), with values that follow each patient's own check-ins
(worse near the peak, better on recovery) and some missing (no check-in near the date, or
skipped ~15% of the time, deterministic per patient and date). Scored with the product's
scoring code. Bulk inserts, no services (like the rest of the generator)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from scripts.cohort.model import CHECKIN_FIELDS

_DATE, _PAIN, _WORST = (CHECKIN_FIELDS.index(n) for n in ("date", "pain_now", "pain_worst_24h"))
SKIP_PERCENT = 15
PGIC = [
    "very_much_improved",
    "much_improved",
    "minimally_improved",
    "no_change",
    "minimally_worse",
    "much_worse",
    "very_much_worse",
]


def _chance(*parts: Any) -> int:
    """0..99, stable for the same parts."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return digest[0] * 100 // 256


def _occasions(course: Any, last: dt.date) -> list[dt.date]:
    days = [course.enrolled_on]
    end = course.resolved_on or last
    day = course.symptom_onset_date + dt.timedelta(days=14)
    while day < end:
        if day > course.enrolled_on:
            days.append(day)
        day += dt.timedelta(days=14)
    if course.resolved_on is not None:
        days.append(course.resolved_on)
    return days


def _week(pains: dict[dt.date, tuple[int, int]], day: dt.date) -> tuple[float, int] | None:
    found = [pains[d] for d in (day - dt.timedelta(days=n) for n in range(7)) if d in pains]
    if len(found) < 3:
        return None
    return sum(p for p, _ in found) / len(found), max(w for _, w in found)


def _pgic(baseline: float, now: float) -> str:
    drop = baseline - now  # pain points better
    steps = [(3, 0), (2, 1), (0.75, 2), (-0.75, 3), (-2, 4), (-3, 5)]
    return PGIC[next((index for cut, index in steps if drop >= cut), 6)]


def course_answers(course: Any) -> list[tuple[str, dt.date, dict[str, Any]]]:
    """(instrument code, date, {link id: value}) of one patient's answered questionnaires."""
    pains = {row[_DATE]: (row[_PAIN], row[_WORST]) for row in course.checkins}
    if not pains:
        return []
    answered: list[tuple[str, dt.date, dict[str, Any]]] = []
    baseline = None
    for day in _occasions(course, max(pains)):  # the check-ins end at the cohort's today
        week = _week(pains, day)
        if week is None or _chance(course.patient_id, day) < SKIP_PERCENT:
            continue
        mean, worst = week
        baseline = mean if baseline is None else baseline
        answered.append(
            ("weekly_pain", day, {"pain_average_7d": round(mean), "pain_worst_7d": worst})
        )
        psfs: dict[str, Any] = {}
        for n in range(1, 4):
            wobble = _chance(course.patient_id, day, n) % 3 - 1
            psfs[f"activity_{n}"] = ("walking", "stairs", "standing to cook")[n - 1]
            psfs[f"rating_{n}"] = max(0, min(10, round(10 - mean * 1.1) + wobble))
        answered.append(("psfs", day, psfs))
        if day != course.enrolled_on:
            answered.append(("pgic", day, {"change": _pgic(baseline, mean)}))
    return answered


def write_questionnaire_responses(courses: Sequence[Any], *, zone: ZoneInfo) -> int:
    """Store the cohort chunk's responses, answers and scores; returns the responses."""
    from apps.outcomes.models import Answer, Instrument, QuestionnaireResponse, Score
    from apps.outcomes.response_store import unsaved_scores

    instruments = {
        i.code: i
        for i in Instrument.objects.filter(
            code__in=["psfs", "weekly_pain", "pgic"], is_current=True
        ).prefetch_related("items__options", "scores")
    }
    if len(instruments) < 3:
        return 0  # instruments not loaded (they load on migrate)
    responses, answers, scores = [], [], []
    for course in courses:
        for code, day, values in course_answers(course):
            instrument = instruments[code]
            response = QuestionnaireResponse(
                id=uuid.uuid4(),
                patient_id=course.patient_id,
                episode_id=course.episode_id,
                client_id=uuid.uuid4(),
                instrument=instrument,
                language="en",
                completed_at=dt.datetime.combine(day, dt.time(19), zone).astimezone(dt.UTC),
                date=day,
            )
            responses.append(response)
            items = {item.link_id: item for item in instrument.items.all()}
            weights: dict[str, float | None] = {}
            for link_id, value in values.items():
                item = items[link_id]
                options = {o.code: o.weight for o in item.options.all()}
                weight = (
                    options[value]
                    if item.kind == "choice"
                    else None
                    if item.kind == "string"
                    else float(value)
                )
                weights[link_id] = weight
                answers.append(Answer(response=response, item=item, value=value, weight=weight))
            for definition in instrument.scores.all():
                definition.instrument = instrument
            scores += unsaved_scores(response, instrument, weights)
    QuestionnaireResponse.objects.bulk_create(responses, batch_size=1000)
    Answer.objects.bulk_create(answers, batch_size=2000)
    Score.objects.bulk_create(scores, batch_size=2000)
    return len(responses)
