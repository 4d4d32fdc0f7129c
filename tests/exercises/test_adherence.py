"""Adherence: done / prescribed per ISO week, per item and overall, capped at 1, counting only
days a plan was in force (docs/exercises.md has the definition these numbers follow)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from apps.exercises import selectors, services
from tests.accounts.factories import CareTeamFactory, physio_in
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import (
    ExerciseFactory,
    ExercisePlanFactory,
    ExerciseSessionFactory,
    PlanItemFactory,
)

pytestmark = pytest.mark.django_db

MON, TUE, WED, THU, FRI, SAT, SUN = (dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(7))


def days(*dates):
    return list(dates)


@pytest.fixture
def midweek_change(physio, episode):
    """Plan A from 2 November (A1 3/week, A2 7/week), replaced from Thursday 19 November by
    plan B (B1 4/week, B2 7/week). Sessions in ISO week 2026-W47 (16–22 November):
    A1 on Mon (twice) and Tue, A2 on Wed, B1 on Thu and Sat, B2 never."""
    a1, a2, b1, b2 = (ExerciseFactory(name=name) for name in ("A1", "A2", "B1", "B2"))
    plan_a = services.plan_create(
        episode=episode,
        by=physio,
        starts_on=dt.date(2026, 11, 2),
        items=[
            {"exercise": a1, "sets": 2, "reps": 10, "days_per_week": 3},
            {"exercise": a2, "sets": 1, "reps": 5, "days_per_week": 7},
        ],
    )
    plan_b = services.plan_create(
        episode=episode,
        by=physio,
        starts_on=THU,
        items=[
            {"exercise": b1, "sets": 3, "reps": 8, "days_per_week": 4},
            {"exercise": b2, "sets": 1, "hold_seconds": 30, "days_per_week": 7},
        ],
    )
    item_a1, item_a2 = plan_a.items.order_by("position")
    item_b1, item_b2 = plan_b.items.order_by("position")
    for item, dates in [(item_a1, [MON, MON, TUE]), (item_a2, [WED]), (item_b1, [THU, SAT])]:
        for day in dates:
            ExerciseSessionFactory(plan_item=item, date=day)
    return {"A1": item_a1, "A2": item_a2, "B1": item_b1, "B2": item_b2}


def by_exercise(week):
    return {row.plan_item.exercise.name: row for row in week.items}


def test_week_where_the_plan_changed_midweek_counts_each_item_for_its_own_days(
    episode, midweek_change
):
    result = selectors.adherence_for_range(episode=episode, date_from=MON, date_to=SUN)

    (week,) = result.weeks
    assert week.iso_week == "2026-W47"
    rows = by_exercise(week)
    assert {name: row.days_in_force for name, row in rows.items()} == {
        "A1": 3,
        "A2": 3,
        "B1": 4,
        "B2": 4,
    }
    assert {name: row.sessions_prescribed for name, row in rows.items()} == {
        "A1": Fraction(9, 7),
        "A2": Fraction(3),
        "B1": Fraction(16, 7),
        "B2": Fraction(4),
    }
    assert {name: row.sessions_done for name, row in rows.items()} == {
        "A1": 2,
        "A2": 1,
        "B1": 2,
        "B2": 0,
    }
    assert {name: row.adherence for name, row in rows.items()} == {
        "A1": Fraction(1),
        "A2": Fraction(1, 3),
        "B1": Fraction(7, 8),
        "B2": Fraction(0),
    }
    # Σ min(done, prescribed) / Σ prescribed = (9/7 + 1 + 2 + 0) / (74/7) = 30/74
    assert week.sessions_prescribed == Fraction(74, 7)
    assert week.adherence == Fraction(15, 37)
    assert week.days_with_plan_in_force == 7


def test_range_overall_sums_the_weeks(episode, midweek_change):
    result = selectors.adherence_for_range(
        episode=episode, date_from=dt.date(2026, 11, 9), date_to=SUN
    )

    assert [week.iso_week for week in result.weeks] == ["2026-W46", "2026-W47"]
    earlier = result.weeks[0]
    assert earlier.sessions_prescribed == Fraction(10)  # A1 3 + A2 7, plan A all week
    assert earlier.adherence == Fraction(0)
    assert result.sessions_prescribed == Fraction(144, 7)
    assert result.adherence == Fraction(30, 144)


def test_partial_week_at_the_range_edge_prescribes_only_its_days(episode, midweek_change):
    (week,) = selectors.adherence_for_range(episode=episode, date_from=WED, date_to=SUN).weeks

    rows = by_exercise(week)
    assert rows["A1"].sessions_prescribed == Fraction(3, 7)
    assert rows["A2"].sessions_prescribed == Fraction(1)
    assert rows["A2"].adherence == Fraction(1)
    assert rows["A1"].sessions_done == 0  # Monday's and Tuesday's sessions are outside


def test_each_item_is_capped_at_1_before_the_overall_is_summed(episode):
    plan = ExercisePlanFactory(episode=episode, starts_on=dt.date(2026, 11, 1))
    overdone = PlanItemFactory(plan=plan, days_per_week=2)
    skipped = PlanItemFactory(plan=plan, days_per_week=2)
    for day in (MON, TUE, WED, THU, FRI):
        ExerciseSessionFactory(plan_item=overdone, date=day)

    (week,) = selectors.adherence_for_range(episode=episode, date_from=MON, date_to=SUN).weeks

    rows = {row.plan_item.id: row for row in week.items}
    assert rows[overdone.id].sessions_done == 5
    assert rows[overdone.id].adherence == Fraction(1)
    assert rows[skipped.id].adherence == Fraction(0)
    assert week.adherence == Fraction(1, 2)


def test_doing_more_than_prescribed_never_exceeds_1(episode):
    item = PlanItemFactory(
        plan=ExercisePlanFactory(episode=episode, starts_on=dt.date(2026, 11, 1)),
        days_per_week=1,
    )
    for day in (MON, TUE, WED):
        ExerciseSessionFactory(plan_item=item, date=day)
    result = selectors.adherence_for_range(episode=episode, date_from=MON, date_to=SUN)
    assert result.adherence == Fraction(1)
    assert result.sessions_done == 3


def test_days_without_a_plan_prescribe_nothing(episode):
    item = PlanItemFactory(
        plan=ExercisePlanFactory(episode=episode, starts_on=FRI), days_per_week=7
    )
    ExerciseSessionFactory(plan_item=item, date=SAT)

    (week,) = selectors.adherence_for_range(episode=episode, date_from=MON, date_to=SUN).weeks

    assert week.sessions_prescribed == Fraction(3)
    assert week.adherence == Fraction(1, 3)
    assert week.days_with_plan_in_force == 3


def test_week_without_any_plan_has_no_adherence(episode):
    result = selectors.adherence_for_range(episode=episode, date_from=MON, date_to=SUN)
    assert result.weeks[0].items == ()
    assert result.weeks[0].adherence is None
    assert result.adherence is None


def test_plan_stops_counting_when_the_episode_is_resolved(patient):
    episode = EpisodeFactory(
        patient=patient, symptom_onset_date=dt.date(2026, 9, 1), status="resolved", resolved_on=WED
    )
    PlanItemFactory(
        plan=ExercisePlanFactory(episode=episode, starts_on=dt.date(2026, 11, 1)), days_per_week=7
    )

    (week,) = selectors.adherence_for_range(episode=episode, date_from=MON, date_to=SUN).weeks

    assert week.sessions_prescribed == Fraction(3)
    assert selectors.plan_in_force_on(episode=episode, date=THU) is None


def test_adherence_query_count_is_the_same_for_1_or_12_weeks(
    episode, midweek_change, django_assert_num_queries
):
    with django_assert_num_queries(2):
        selectors.adherence_for_range(episode=episode, date_from=MON, date_to=SUN)
    with django_assert_num_queries(2):
        result = selectors.adherence_for_range(
            episode=episode, date_from=dt.date(2026, 9, 7), date_to=dt.date(2026, 11, 29)
        )
    assert len(result.weeks) == 12


def _episodes_with_plans(count: int) -> list:
    episodes = []
    for n in range(count):
        episode = EpisodeFactory(symptom_onset_date=dt.date(2026, 9, 1))
        plan = ExercisePlanFactory(episode=episode, starts_on=dt.date(2026, 11, 1))
        items = PlanItemFactory.create_batch(2, plan=plan, days_per_week=7)
        for day in (MON, TUE, WED)[: n % 4]:
            ExerciseSessionFactory(plan_item=items[0], date=day)
        episodes.append(episode)
    return episodes


@pytest.mark.parametrize("count", [3, 30])
def test_adherence_by_episode_takes_two_queries_for_any_number_of_episodes(
    count, django_assert_num_queries
):
    episodes = _episodes_with_plans(count)
    without_plan = EpisodeFactory(symptom_onset_date=dt.date(2026, 9, 1))
    ids = [episode.id for episode in episodes] + [without_plan.id]

    with django_assert_num_queries(2):
        result = selectors.adherence_by_episode(episode_ids=ids, date_from=MON, date_to=SUN)

    assert result[without_plan.id] is None
    # 2 items × 7/week prescribed 14; episode n did item 1 on n % 4 days.
    assert [result[episode.id] for episode in episodes[:3]] == [0.0, 1 / 14, 2 / 14]
    assert len(result) == count + 1


def test_prescribed_and_done_by_date_for_the_timeline(episode, midweek_change):
    prescribed = selectors.prescribed_by_date(episode=episode, date_from=TUE, date_to=THU)
    done = selectors.sessions_done_by_date(episode=episode, date_from=MON, date_to=TUE)

    assert {day: sorted(i.exercise.name for i in items) for day, items in prescribed.items()} == {
        TUE: ["A1", "A2"],
        WED: ["A1", "A2"],
        THU: ["B1", "B2"],
    }
    assert {
        day: [s.plan_item.exercise.name for s in sessions] for day, sessions in done.items()
    } == {
        MON: ["A1", "A1"],
        TUE: ["A1"],
    }


def test_plan_in_force_on_follows_supersession(episode, midweek_change):
    assert selectors.plan_in_force_on(episode=episode, date=WED) == midweek_change["A1"].plan
    assert selectors.plan_in_force_on(episode=episode, date=THU) == midweek_change["B1"].plan
    assert selectors.plan_in_force_on(episode=episode, date=dt.date(2026, 11, 1)) is None


# --- API ------------------------------------------------------------------------------------


def adherence_url(episode) -> str:
    return f"/api/v1/episodes/{episode.id}/adherence/"


def test_adherence_endpoint_returns_weeks_items_and_overall(
    physio_client, episode, midweek_change, django_assert_num_queries
):
    with django_assert_num_queries(3):  # the episode (with access check), items, sessions
        response = physio_client.get(
            adherence_url(episode), {"from": "2026-11-16", "to": "2026-11-22"}
        )

    assert response.status_code == 200
    body = response.json()
    assert body["overall"] == {
        "sessions_prescribed": 10.57,
        "sessions_done": 5,
        "adherence": 0.4054,
    }
    (week,) = body["weeks"]
    assert week["week"] == "2026-W47"
    assert (week["date_from"], week["date_to"]) == ("2026-11-16", "2026-11-22")
    assert [
        (
            row["exercise_name"],
            row["days_in_force"],
            row["sessions_prescribed"],
            row["sessions_done"],
            row["adherence"],
        )
        for row in week["items"]
    ] == [
        ("A1", 3, 1.29, 2, 1.0),
        ("A2", 3, 3.0, 1, 0.3333),
        ("B1", 4, 2.29, 2, 0.875),
        ("B2", 4, 4.0, 0, 0.0),
    ]


def test_adherence_defaults_to_the_last_four_iso_weeks(patient_client, episode):
    body = patient_client.get(adherence_url(episode)).json()
    assert (body["date_from"], body["date_to"]) == ("2026-11-02", "2026-11-25")
    assert [week["week"] for week in body["weeks"]] == [
        "2026-W45",
        "2026-W46",
        "2026-W47",
        "2026-W48",
    ]
    assert body["overall"]["adherence"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-11-23", "to": "2026-11-22"}, "from"),
        ({"from": "2025-01-01", "to": "2026-11-22"}, "from"),
        ({"to": "22-11-2026"}, "to"),
    ],
)
def test_bad_adherence_range_is_a_400(physio_client, episode, query, field):
    response = physio_client.get(adherence_url(episode), query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_adherence_of_a_patient_outside_the_care_team_is_404(api_client, episode):
    api_client.force_authenticate(physio_in(CareTeamFactory()))
    assert api_client.get(adherence_url(episode)).status_code == 404
