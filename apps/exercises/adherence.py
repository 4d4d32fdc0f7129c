"""Adherence: the one definition (API.md "Exercises"; CLINICAL_RULES.md `low_adherence`).

Sessions done / sessions prescribed over a window of local dates, capped at 1:
- A plan item is *in force* on a date from its plan's ``starts_on`` to its
  ``effective_ends_on`` (open-ended if empty), and never after its episode's ``resolved_on``.
- An item in force ``n`` days of the window **prescribes** ``days_per_week × n / 7``
  sessions (a fraction, so a plan that changes midweek prescribes each item only for its own
  days), and **counts** the distinct dates with a session for it within those days, never
  more than it prescribes (`sessions_counted`).
- The window's adherence = ``Σ counted / Σ prescribed``, at most 1 (`adherence_ratio`);
  None when nothing was prescribed (no plan in force in the window).

Two forms of the same definition, which tests/exercises/test_adherence_definition.py holds
to agree on a table of cases:
- `window_adherence` (pure, over loaded plan items and session dates): the adherence API
  (``GET episodes/{id}/adherence/``), the flag snapshot (`low_adherence`) and the web course;
- `adherence_expression` / `adherence_parts_expression` (SQL): the dashboard's
  ``adherence_7d`` column, which the cohort is sorted and filtered by.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Combinable, Expression
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThan

from apps.core.expressions import DaysBetween
from apps.exercises.models import ExerciseSession, PlanItem

# --- The pure definition ------------------------------------------------------------------


def item_sessions_prescribed(days_per_week: int, days_in_force: int) -> Fraction:
    """Sessions an item prescribes over ``days_in_force`` days of a window."""
    return Fraction(days_per_week * max(days_in_force, 0), 7)


def item_sessions_counted(days_done: int, prescribed: Fraction) -> Fraction:
    """An item's done sessions as they count: never more than it prescribes."""
    return min(Fraction(days_done), prescribed)


def adherence_ratio(*, counted: Fraction, prescribed: Fraction) -> Fraction | None:
    """Sessions counted / sessions prescribed, capped at 1; None when nothing was
    prescribed."""
    if prescribed <= 0:
        return None
    return min(Fraction(counted) / prescribed, Fraction(1))


@dataclass(frozen=True)
class ItemAdherence:
    plan_item: PlanItem
    days_in_force: int
    sessions_prescribed: Fraction
    sessions_done: int

    @property
    def sessions_counted(self) -> Fraction:
        return item_sessions_counted(self.sessions_done, self.sessions_prescribed)

    @property
    def adherence(self) -> Fraction | None:
        return adherence_ratio(counted=self.sessions_counted, prescribed=self.sessions_prescribed)


@dataclass(frozen=True)
class WindowAdherence:
    """Adherence over the dates ``date_from``..``date_to`` (both included)."""

    date_from: dt.date
    date_to: dt.date
    items: tuple[ItemAdherence, ...]
    days_with_plan_in_force: int

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def sessions_prescribed(self) -> Fraction:
        return sum((row.sessions_prescribed for row in self.items), Fraction(0))

    @property
    def sessions_done(self) -> int:
        return sum(row.sessions_done for row in self.items)

    @property
    def sessions_counted(self) -> Fraction:
        return sum((row.sessions_counted for row in self.items), Fraction(0))

    @property
    def adherence(self) -> Fraction | None:
        return adherence_ratio(counted=self.sessions_counted, prescribed=self.sessions_prescribed)

    @property
    def iso_week(self) -> str:
        year, week, _ = self.date_from.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class RangeAdherence:
    """Per ISO week (clipped to the range) and overall for the whole range."""

    date_from: dt.date
    date_to: dt.date
    weeks: tuple[WindowAdherence, ...]

    @property
    def sessions_prescribed(self) -> Fraction:
        return sum((week.sessions_prescribed for week in self.weeks), Fraction(0))

    @property
    def sessions_done(self) -> int:
        return sum(week.sessions_done for week in self.weeks)

    @property
    def sessions_counted(self) -> Fraction:
        return sum((week.sessions_counted for week in self.weeks), Fraction(0))

    @property
    def adherence(self) -> Fraction | None:
        return adherence_ratio(counted=self.sessions_counted, prescribed=self.sessions_prescribed)


@dataclass(frozen=True)
class ItemSpan:
    """A plan item and the days it is in force (loaded by the selectors)."""

    item: PlanItem
    first: dt.date  # first day in force
    last: dt.date | None  # last day in force; None = open-ended


def window_adherence(
    spans: Iterable[ItemSpan],
    done_dates: Mapping[uuid.UUID, Iterable[dt.date]],
    date_from: dt.date,
    date_to: dt.date,
) -> WindowAdherence:
    """Adherence over ``date_from``..``date_to`` of the items ``spans`` (each with its days in
    force) given each plan item's dates with a session. Pure: no query."""
    rows = []
    covered: set[dt.date] = set()
    for span in spans:
        first = max(span.first, date_from)
        last = date_to if span.last is None else min(span.last, date_to)
        if first > last:
            continue
        days = (last - first).days + 1
        covered.update(first + dt.timedelta(days=n) for n in range(days))
        done = len({day for day in done_dates.get(span.item.id, ()) if first <= day <= last})
        rows.append(
            ItemAdherence(
                plan_item=span.item,
                days_in_force=days,
                sessions_prescribed=item_sessions_prescribed(span.item.days_per_week, days),
                sessions_done=done,
            )
        )
    return WindowAdherence(
        date_from=date_from,
        date_to=date_to,
        items=tuple(rows),
        days_with_plan_in_force=len(covered),
    )


# --- The same definition in SQL -------------------------------------------------------------


def adherence_parts_expression(
    *, episode_id: Combinable, date_from: Combinable, date_to: Combinable
) -> tuple[Subquery[FloatField], Subquery[FloatField]]:
    """(sessions counted, sessions prescribed) of the episode ``episode_id`` over the dates
    ``date_from``..``date_to`` as two correlated subqueries (floats; NULL when no item is in
    force), for an annotation: the outer query's references, e.g.
    ``OuterRef("episode_id")``, ``OuterRef("window_start")``, ``OuterRef("local_today")``."""
    window_start, window_end = date_from, date_to
    last_in_force = Least(
        Coalesce(F("plan__effective_ends_on"), window_end),
        Coalesce(F("plan__episode__resolved_on"), window_end),
        window_end,
    )
    days_done = Subquery(
        ExerciseSession.objects.filter(
            plan_item_id=OuterRef("pk"),
            date__gte=OuterRef("first_day"),
            date__lte=OuterRef("last_day"),
        )
        .order_by()
        .values("plan_item_id")
        .annotate(days=Count("date", distinct=True))
        .values("days"),
        output_field=IntegerField(),
    )
    items = (
        PlanItem.objects.filter(plan__episode_id=episode_id, plan__starts_on__lte=window_end)
        .annotate(
            first_day=Greatest(F("plan__starts_on"), window_start),
            last_day=last_in_force,
        )
        .annotate(days_in_force=Greatest(DaysBetween(F("first_day"), F("last_day")) + 1, 0))
        .filter(days_in_force__gt=0)
        .annotate(
            prescribed=Cast(F("days_per_week") * F("days_in_force"), FloatField()) / 7.0,
        )
        .annotate(
            counted=Least(Cast(Coalesce(days_done, 0), FloatField()), F("prescribed")),
        )
        .order_by()
        .values("plan__episode_id")
    )
    counted = Subquery(
        items.annotate(total=Sum("counted")).values("total"), output_field=FloatField()
    )
    prescribed = Subquery(
        items.annotate(total=Sum("prescribed")).values("total"), output_field=FloatField()
    )
    return counted, prescribed


def adherence_ratio_expression(counted: Combinable, prescribed: Combinable) -> Expression:
    """`adherence_ratio` in SQL: counted / prescribed capped at 1, NULL when nothing was
    prescribed (``counted`` and ``prescribed`` as `adherence_parts_expression` gives them, or
    references to annotations of them)."""
    return Case(
        When(
            GreaterThan(prescribed, Value(0.0)),
            then=Least(Cast(counted, FloatField()) / Cast(prescribed, FloatField()), Value(1.0)),
        ),
        default=Value(None),
        output_field=FloatField(),
    )


def adherence_expression(
    *, episode_id: Combinable, date_from: Combinable, date_to: Combinable
) -> Expression:
    """The episode's adherence over the window in SQL (float 0–1, NULL with no plan in force):
    `adherence_ratio_expression` over `adherence_parts_expression`."""
    counted, prescribed = adherence_parts_expression(
        episode_id=episode_id, date_from=date_from, date_to=date_to
    )
    return adherence_ratio_expression(counted, prescribed)
