"""Selectors behind the today view: who needs the physiotherapist today, at a glance.

Reads: flags.Flag (through `apps.flags.selectors.flags_visible_to`: open emergency and urgent
flags, flags new since the last visit, questionnaire-worsening flags), the cohort's summaries
(`apps.dashboard.selectors.patient_summaries`: silent patients, 7-day pain) and the expected
course of the physiotherapist's clinic (`apps.dashboard.course.expected_course`). A fixed
number of queries whatever the size of the cohort; each list is capped at `LIST_MAX`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import QuerySet

from apps.accounts.models import Patient, User
from apps.dashboard.course import expected_course
from apps.dashboard.selectors import SummaryFilters, patient_summaries
from apps.flags.models import LIVE_STATUSES, Flag, FlagSeverity, severity_rank_expression
from apps.flags.selectors import flags_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

LIST_MAX = 25
SILENT_DAYS = 3
LONG_SILENT_DAYS = 7
#: The outcomes app's rule: a questionnaire score worse by at least its meaningful change.
OUTCOME_WORSENED_RULE = "outcome_worsened"
#: Patients whose 7-day mean pain is compared with the expected course (the highest first).
EXPECTED_COURSE_CANDIDATES = 200


@dataclass
class TodayItems:
    """A list of the today view: up to `LIST_MAX` items and how many there are in all."""

    items: list[Any] = field(default_factory=list)
    total: int = 0


@dataclass(frozen=True)
class AboveCourse:
    patient: Patient
    week: int
    pain_7d_mean: float
    p90: float


@dataclass
class Today:
    immediate: TodayItems
    new_flags: TodayItems
    new_since: dt.datetime
    silent_long: TodayItems
    silent: TodayItems
    above_course: TodayItems
    expected_available: bool
    outcome_worsened: TodayItems


class _Ranked(TypedDict):
    severity_rank: int


def _capped(flags: QuerySet[Flag]) -> TodayItems:
    # Always counted (one query), so the page's queries do not depend on the data.
    return TodayItems(items=list(flags[:LIST_MAX]), total=flags.count())


def _live_flags(user: User) -> QuerySet[WithAnnotations[Flag, _Ranked]]:
    return (
        flags_visible_to(user)
        .filter(status__in=LIVE_STATUSES)
        .select_related("patient__user")
        .annotate(severity_rank=severity_rank_expression())
    )


def immediate_flags(user: User) -> TodayItems:
    """Open or acknowledged emergency and urgent flags: emergency first, then the longest
    waiting."""
    flags = _live_flags(user).filter(severity__in=(FlagSeverity.EMERGENCY, FlagSeverity.URGENT))
    return _capped(flags.order_by("severity_rank", "opened_at", "id"))


def new_flags(user: User, since: dt.datetime) -> TodayItems:
    """Flags opened since ``since`` (still live), most severe first, then the newest."""
    flags = _live_flags(user).filter(opened_at__gt=since)
    return _capped(flags.order_by("severity_rank", "-opened_at", "id"))


def outcome_worsened_flags(user: User) -> TodayItems:
    """The slot for questionnaires with a meaningful worsening: live flags of the outcomes
    app's rule `OUTCOME_WORSENED_RULE` (apps/flags/rules/outcomes.py), most severe then the
    longest waiting."""
    flags = _live_flags(user).filter(rule=OUTCOME_WORSENED_RULE)
    return _capped(flags.order_by("severity_rank", "opened_at", "id"))


def silent_patients(user: User, *, now: dt.datetime | None = None) -> tuple[TodayItems, ...]:
    """Active patients silent for `LONG_SILENT_DAYS`+ days and for `SILENT_DAYS` to
    `LONG_SILENT_DAYS` - 1 days (never checked in counts as the longest silence)."""
    summaries = patient_summaries(
        user=user,
        status="active",
        filters=SummaryFilters(silent_days_min=SILENT_DAYS),
        ordering="-days_since_last_checkin",
        now=now,
    )
    rows = summaries[: 2 * LIST_MAX]
    long_rows = [
        row
        for row in rows
        if row.days_since_last_checkin is None or row.days_since_last_checkin >= LONG_SILENT_DAYS
    ]
    short_rows = [row for row in rows if row not in long_rows]
    total = summaries.count()
    return (
        TodayItems(items=long_rows[:LIST_MAX], total=len(long_rows)),
        TodayItems(items=short_rows[:LIST_MAX], total=total - len(long_rows)),
    )


def above_expected_course(user: User, *, now: dt.datetime | None = None) -> tuple[TodayItems, bool]:
    """Active patients whose 7-day mean pain is above the 90th percentile of the expected
    course (the resolved episodes of the physiotherapist's clinic, which is their patients')
    at their week since onset; and whether the expected course is available (it needs
    enough resolved episodes)."""
    if user.clinic_id is None:
        return TodayItems(), False
    expected = expected_course(clinic_id=user.clinic_id)
    if not expected.is_available:
        return TodayItems(), False
    p90 = {row["week"]: row["p90"] for row in expected.weeks}
    rows = patient_summaries(user=user, status="active", ordering="-pain_7d_mean", now=now)[
        :EXPECTED_COURSE_CANDIDATES
    ]
    above = [
        AboveCourse(row, row.weeks_since_onset, row.pain_7d_mean, p90[row.weeks_since_onset])
        for row in rows
        if row.pain_7d_mean is not None
        and row.weeks_since_onset in p90
        and row.pain_7d_mean > p90[row.weeks_since_onset]
    ]
    return TodayItems(items=above[:LIST_MAX], total=len(above)), True


def today_for(user: User, *, new_since: dt.datetime, now: dt.datetime | None = None) -> Today:
    silent_long, silent = silent_patients(user, now=now)
    above, available = above_expected_course(user, now=now)
    return Today(
        immediate=immediate_flags(user),
        new_flags=new_flags(user, new_since),
        new_since=new_since,
        silent_long=silent_long,
        silent=silent,
        above_course=above,
        expected_available=available,
        outcome_worsened=outcome_worsened_flags(user),
    )
