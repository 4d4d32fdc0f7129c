"""Adherence has one definition in two forms (apps.exercises.adherence): the pure
`window_adherence` (adherence API, flag snapshot) and the SQL `adherence_expression`
(dashboard). On a table of cases both give the same number, and the expected one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import pytest
from django.db.models import DateField, OuterRef, Value

from apps.episodes.models import Episode
from apps.exercises import selectors
from apps.exercises.adherence import (
    adherence_expression,
    adherence_ratio,
    item_sessions_counted,
    item_sessions_prescribed,
)
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import (
    ExercisePlanFactory,
    ExerciseSessionFactory,
    PlanItemFactory,
)

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT, SUN = (dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(7))
EARLY = dt.date(2026, 11, 1)


@dataclass(frozen=True)
class Item:
    days_per_week: int
    sessions: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class Plan:
    starts_on: dt.date
    items: tuple[Item, ...]
    ends_on: dt.date | None = None


@dataclass(frozen=True)
class Case:
    plans: tuple[Plan, ...]
    expected: Fraction | None
    date_from: dt.date = MON
    date_to: dt.date = SUN
    resolved_on: dt.date | None = None


CASES = {
    "no plan": Case(plans=(), expected=None),
    "plan starts after the window": Case(
        plans=(Plan(starts_on=SUN + dt.timedelta(days=1), items=(Item(3, (MON,)),)),),
        expected=None,
    ),
    "whole week, 2 of 3": Case(
        plans=(Plan(EARLY, (Item(3, (MON, WED)),)),), expected=Fraction(2, 3)
    ),
    "two sessions on a day count once": Case(
        plans=(Plan(EARLY, (Item(2, (MON, MON)),)),), expected=Fraction(1, 2)
    ),
    "more than prescribed is capped at 1": Case(
        plans=(Plan(EARLY, (Item(1, (MON, TUE, WED)),)),), expected=Fraction(1)
    ),
    "each item capped before summing": Case(
        plans=(Plan(EARLY, (Item(3, (MON, TUE, WED, THU, FRI, SAT, SUN)), Item(7))),),
        expected=Fraction(3, 10),
    ),
    "partial week: plan from Friday": Case(
        plans=(Plan(FRI, (Item(7, (THU, SAT)),)),), expected=Fraction(1, 3)
    ),
    "partial window: three days": Case(
        plans=(Plan(EARLY, (Item(7, (TUE, WED, FRI)),)),),
        date_from=TUE,
        date_to=THU,
        expected=Fraction(2, 3),
    ),
    "plan ended midweek": Case(
        plans=(Plan(EARLY, (Item(7, (MON, THU)),), ends_on=TUE),), expected=Fraction(1, 2)
    ),
    "episode resolved midweek": Case(
        plans=(Plan(EARLY, (Item(7, (MON, TUE, FRI)),)),),
        resolved_on=WED,
        expected=Fraction(2, 3),
    ),
    "plan changed midweek": Case(
        plans=(
            Plan(EARLY, (Item(7, (MON, TUE, WED, THU)),), ends_on=WED),
            Plan(THU, (Item(4, (FRI,)),)),
        ),
        expected=Fraction(28, 37),  # (3 + 1) / (3 + 16/7)
    ),
}


def _store(case: Case, patient) -> Episode:
    episode = EpisodeFactory(
        patient=patient,
        symptom_onset_date=dt.date(2026, 9, 1),
        status="resolved" if case.resolved_on else "active",
        resolved_on=case.resolved_on,
    )
    for plan in case.plans:
        stored = ExercisePlanFactory(
            episode=episode, starts_on=plan.starts_on, ends_on=plan.ends_on
        )
        for item in plan.items:
            plan_item = PlanItemFactory(plan=stored, days_per_week=item.days_per_week)
            for day in item.sessions:
                ExerciseSessionFactory(plan_item=plan_item, date=day)
    return episode


@pytest.mark.parametrize("name", list(CASES))
def test_pure_function_and_sql_expression_agree(name, patient):
    case = CASES[name]
    episode = _store(case, patient)

    pure = selectors.adherence_windows_by_episode(
        episode_ids=[episode.pk], date_from=case.date_from, date_to=case.date_to
    )[episode.pk].adherence
    sql = (
        Episode.objects.filter(pk=episode.pk)
        .annotate(
            adherence=adherence_expression(
                episode_id=OuterRef("pk"),
                date_from=Value(case.date_from, output_field=DateField()),
                date_to=Value(case.date_to, output_field=DateField()),
            )
        )
        .values_list("adherence", flat=True)
        .get()
    )

    assert pure == case.expected
    if case.expected is None:
        assert sql is None
    else:
        assert sql == pytest.approx(float(case.expected))


@pytest.mark.parametrize(
    ("counted", "prescribed", "expected"),
    [
        (Fraction(0), Fraction(0), None),
        (Fraction(2), Fraction(0), None),
        (Fraction(0), Fraction(3), Fraction(0)),
        (Fraction(3, 2), Fraction(3), Fraction(1, 2)),
        (Fraction(4), Fraction(3), Fraction(1)),
    ],
)
def test_ratio_is_capped_at_1_and_none_without_a_prescription(counted, prescribed, expected):
    assert adherence_ratio(counted=counted, prescribed=prescribed) == expected


def test_an_item_prescribes_its_share_of_the_week_and_counts_at_most_that():
    assert item_sessions_prescribed(3, 7) == Fraction(3)
    assert item_sessions_prescribed(3, 2) == Fraction(6, 7)
    assert item_sessions_counted(2, Fraction(6, 7)) == Fraction(6, 7)
    assert item_sessions_counted(0, Fraction(6, 7)) == Fraction(0)
