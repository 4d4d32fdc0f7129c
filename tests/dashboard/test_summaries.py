"""`patient_summaries`: the numbers behind the API and the web cohort."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from apps.core.exceptions import ValidationFailed
from apps.dashboard.selectors import (
    ORDERING_FIELDS,
    SEVERITIES,
    SummaryFilters,
    patient_summaries,
)
from apps.exercises.selectors import adherence_by_episode
from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.dashboard.conftest import NOW, TODAY, days_ago, patient_with_course
from tests.dashboard.factories import (
    CheckInFactory,
    EpisodeFactory,
    ExerciseSessionFactory,
    FlagFactory,
    PlanItemFactory,
)

pytestmark = pytest.mark.django_db


def summaries(user, **kwargs) -> list:
    return patient_summaries(user=user, now=NOW, **kwargs)[:]


def names(rows) -> list[str]:
    return [row.user.last_name for row in rows]


def test_summary_of_a_patient_with_two_weeks_of_checkins(physio, care_team):
    patient_with_course(
        care_team,
        pain_last_7=[3, 4, 5, 6, None, 2, 3],
        pain_previous_7=[5, 5, 5, 5, 5, 5, 5],
        onset=dt.date(2026, 1, 1),
        sessions_last_7=4,
    )

    (row,) = summaries(physio)

    assert row.weeks_since_onset == 9  # 68 days
    assert row.last_checkin_date == TODAY
    assert row.days_since_last_checkin == 0
    assert row.pain_now_latest == 3
    assert row.pain_7d_mean == pytest.approx(23 / 6)
    assert row.pain_7d_change == pytest.approx(23 / 6 - 5)
    assert row.adherence_7d == pytest.approx(4 / 7)
    assert [getattr(row, f"open_flags_{s}") for s in ("emergency", "urgent", "soon")] == [0, 0, 0]


def test_a_patient_without_episode_or_checkins_has_empty_columns(physio, care_team):
    PatientFactory(care_team=care_team)

    (row,) = summaries(physio)

    assert row.episode_id is None
    assert row.weeks_since_onset is None
    assert row.last_checkin_date is None
    assert row.days_since_last_checkin is None
    assert row.pain_now_latest is None
    assert row.pain_7d_mean is None
    assert row.pain_7d_change is None
    assert row.adherence_7d is None


def test_change_is_empty_without_checkins_in_the_previous_week(physio, care_team):
    patient_with_course(care_team, pain_last_7=[4, 4])

    (row,) = summaries(physio)

    assert row.pain_7d_mean == 4
    assert row.pain_7d_change is None


def test_seven_days_end_on_each_patients_own_local_today(physio, care_team):
    # 23:30 UTC on 10 March is already 11 March in Auckland, still 10 March in London.
    late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
    auckland = PatientFactory(care_team=care_team, timezone="Pacific/Auckland")
    london = PatientFactory(care_team=care_team, timezone="Europe/London")
    for patient in (auckland, london):
        episode = EpisodeFactory(patient=patient)
        CheckInFactory(episode=episode, date=dt.date(2026, 3, 4), pain_now=8)
        CheckInFactory(episode=episode, date=dt.date(2026, 3, 10), pain_now=2)

    rows = {row.pk: row for row in patient_summaries(user=physio, now=late)[:]}

    # Auckland's 7 days are 5–11 March: 4 March has left its window.
    assert rows[auckland.pk].pain_7d_mean == 2
    assert rows[auckland.pk].days_since_last_checkin == 1
    assert rows[london.pk].pain_7d_mean == 5
    assert rows[london.pk].days_since_last_checkin == 0


def test_current_episode_is_the_active_one_even_with_a_later_resolved_one(physio, care_team):
    patient = PatientFactory(care_team=care_team)
    active = EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 2, 1))
    EpisodeFactory(
        patient=patient,
        symptom_onset_date=dt.date(2026, 2, 20),
        status="resolved",
        resolved_on=dt.date(2026, 3, 1),
    )

    (row,) = summaries(physio)

    assert row.episode_id == active.pk
    assert row.weeks_since_onset == 5  # 37 days


@pytest.mark.parametrize(
    ("plan_start_days_ago", "days_per_week", "session_days_ago", "expected"),
    [
        (30, 7, [0, 1, 2, 3, 4, 5, 6], 1.0),
        (30, 7, [0, 0, 0, 1], 2 / 7),  # two sessions on one day count once
        (30, 3, [0, 1, 2, 3, 4, 5, 6], 1.0),  # extra sessions are capped
        (30, 3, [0], 1 / 3),
        (3, 7, [0, 1], 2 / 4),  # plan in force for 4 of the 7 days
        (3, 7, [5, 6], None),  # sessions before the plan started do not count...
        (30, 7, [], 0.0),
    ],
)
def test_adherence_matches_the_exercises_app(
    physio, care_team, plan_start_days_ago, days_per_week, session_days_ago, expected
):
    patient = PatientFactory(care_team=care_team)
    episode = EpisodeFactory(patient=patient)
    item = PlanItemFactory(
        plan__episode=episode,
        plan__starts_on=days_ago(plan_start_days_ago),
        days_per_week=days_per_week,
    )
    for offset in session_days_ago:
        if days_ago(offset) >= item.plan.starts_on:
            ExerciseSessionFactory(plan_item=item, date=days_ago(offset))

    (row,) = summaries(physio)

    reference = adherence_by_episode(
        episode_ids=[episode.pk], date_from=days_ago(6), date_to=TODAY
    )[episode.pk]
    expected = expected if expected is not None else 0.0
    assert row.adherence_7d == pytest.approx(expected)
    assert row.adherence_7d == pytest.approx(reference)


def test_adherence_follows_a_superseding_plan_and_sums_items(physio, care_team):
    patient = PatientFactory(care_team=care_team)
    episode = EpisodeFactory(patient=patient)
    old = PlanItemFactory(plan__episode=episode, plan__starts_on=days_ago(30), days_per_week=7)
    old.plan.effective_ends_on = days_ago(4)
    old.plan.save()
    new_a = PlanItemFactory(plan__episode=episode, plan__starts_on=days_ago(3), days_per_week=7)
    new_b = PlanItemFactory(plan=new_a.plan, days_per_week=7)
    for offset in (6, 5, 4, 3):  # the old item also on a day after its plan ended
        ExerciseSessionFactory(plan_item=old, date=days_ago(offset))
    for offset in (0, 1, 2, 3):
        ExerciseSessionFactory(plan_item=new_a, date=days_ago(offset))
    ExerciseSessionFactory(plan_item=new_b, date=TODAY)

    (row,) = summaries(physio)

    reference = adherence_by_episode(
        episode_ids=[episode.pk], date_from=days_ago(6), date_to=TODAY
    )[episode.pk]
    # old: 3 of 3 days; new_a: 4 of 4; new_b: 1 of 4 → 8 / 11.
    assert row.adherence_7d == pytest.approx(8 / 11)
    assert row.adherence_7d == pytest.approx(reference)


def test_open_flags_count_open_and_acknowledged_but_not_resolved(physio, care_team):
    patient = patient_with_course(care_team, flags=("urgent", "soon", "soon"))
    episode = patient.episodes.get()
    FlagFactory(episode=episode, severity="urgent", rule="x", status="acknowledged")
    FlagFactory(episode=episode, severity="emergency", rule="y", status="resolved")

    (row,) = summaries(physio)

    counts = {s: getattr(row, f"open_flags_{s}") for s in ("emergency", "urgent", "soon")}
    assert counts == {"emergency": 0, "urgent": 2, "soon": 2}


def test_needs_action_puts_emergency_urgent_soon_then_longest_silence_first(physio, care_team):
    patient_with_course(care_team, pain_last_7=[3], user__last_name="Fine")
    patient_with_course(care_team, pain_last_7=[None, None, None, None, 3], user__last_name="Quiet")
    patient_with_course(care_team, pain_last_7=[3], flags=("soon",), user__last_name="Soon")
    patient_with_course(care_team, pain_last_7=[3], flags=("urgent",), user__last_name="Urgent")
    patient_with_course(
        care_team, pain_last_7=[3], flags=("emergency",), user__last_name="Emergency"
    )

    assert names(summaries(physio)) == ["Emergency", "Urgent", "Soon", "Quiet", "Fine"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("pain_7d_mean", ["Low", "High", "Nothing"]),
        ("-pain_7d_mean", ["High", "Low", "Nothing"]),
        ("name", ["High", "Low", "Nothing"]),
        ("-name", ["Nothing", "Low", "High"]),
        ("-days_since_last_checkin", ["Low", "High", "Nothing"]),
    ],
)
def test_sorting_by_a_column_puts_patients_without_a_value_last(
    physio, care_team, ordering, expected
):
    patient_with_course(care_team, pain_last_7=[None, None, 2], user__last_name="Low")
    patient_with_course(care_team, pain_last_7=[8], user__last_name="High")
    PatientFactory(care_team=care_team, user__last_name="Nothing")

    assert names(summaries(physio, ordering=ordering)) == expected


def test_unknown_ordering_is_refused(physio):
    with pytest.raises(ValidationFailed) as error:
        summaries(physio, ordering="date_of_birth")
    assert error.value.field == "ordering"


def test_filters_select_urgent_low_adherence_and_silent_patients(physio, care_team):
    patient_with_course(care_team, pain_last_7=[3], sessions_last_7=7, user__last_name="Good")
    patient_with_course(
        care_team,
        pain_last_7=[3],
        sessions_last_7=5,
        flags=("emergency",),
        user__last_name="Emergency",
    )
    patient_with_course(
        care_team, pain_last_7=[None, None, None, 3], sessions_last_7=0, user__last_name="Silent"
    )
    PatientFactory(care_team=care_team, user__last_name="Never")

    urgent = summaries(physio, filters=SummaryFilters(has_urgent_flags=True))
    not_urgent = summaries(physio, filters=SummaryFilters(has_urgent_flags=False))
    low = summaries(physio, filters=SummaryFilters(adherence_below=0.8))
    silent = summaries(physio, filters=SummaryFilters(silent_days_min=3))

    assert names(urgent) == ["Emergency"]
    assert sorted(names(not_urgent)) == ["Good", "Never", "Silent"]
    assert sorted(names(low)) == ["Emergency", "Silent"]  # 5/7 and 0/7; "Never" has no plan
    assert sorted(names(silent)) == ["Never", "Silent"]


def test_search_matches_every_word_against_first_or_last_name(physio, care_team):
    PatientFactory(care_team=care_team, user__first_name="Maria", user__last_name="Lopez")
    PatientFactory(care_team=care_team, user__first_name="Mario", user__last_name="Rossi")

    assert names(summaries(physio, search="mari")) == ["Lopez", "Rossi"]
    assert names(summaries(physio, search="MARI lop")) == ["Lopez"]


def test_only_patients_in_the_physios_care_teams_are_summarised(physio, care_team):
    patient_with_course(care_team, user__last_name="Mine")
    patient_with_course(CareTeamFactory(clinic=care_team.clinic), user__last_name="Colleague")

    assert names(summaries(physio)) == ["Mine"]


def test_the_built_ranking_is_shared_but_every_caller_sees_only_their_patients(physio, care_team):
    """The ranking is built once per process for a set of dates and columns
    (`summary_columns.cohort_ranking`); each request narrows its own clone to the caller's
    care teams, search and status, so sharing it shows nobody another team's patients."""
    from apps.dashboard.summary_columns import _built_ranking

    other_team = CareTeamFactory(clinic=care_team.clinic)
    colleague = physio_in(other_team)
    zone = {"timezone": "Europe/London"}  # the same local dates: the same built ranking
    patient_with_course(care_team, pain_last_7=[3], user__last_name="Mine", **zone)
    patient_with_course(other_team, pain_last_7=[5], user__last_name="Theirs", **zone)
    patient_with_course(other_team, pain_last_7=[6], user__last_name="Theirs too", **zone)

    assert names(summaries(physio, ordering="-pain_7d_mean")) == ["Mine"]
    built = _built_ranking.cache_info()
    assert names(summaries(colleague, ordering="-pain_7d_mean")) == ["Theirs too", "Theirs"]
    assert names(summaries(colleague, ordering="-pain_7d_mean", search="too")) == ["Theirs too"]
    assert names(summaries(physio, ordering="-pain_7d_mean", status="active")) == ["Mine"]
    assert names(summaries(physio, ordering="-pain_7d_mean")) == ["Mine"]
    after = _built_ranking.cache_info()
    assert (after.misses, after.hits) == (built.misses, built.hits + 4)


def test_a_clinic_admin_sees_every_patient_of_the_clinic(clinic_admin, care_team):
    patient_with_course(care_team, user__last_name="One")
    patient_with_course(CareTeamFactory(clinic=care_team.clinic), user__last_name="Two")
    patient_with_course(CareTeamFactory(), user__last_name="Other clinic")

    assert names(summaries(clinic_admin, ordering="name")) == ["One", "Two"]


def test_the_number_of_queries_does_not_depend_on_the_cohort(
    physio, care_team, django_assert_num_queries
):
    for _ in range(5):
        patient_with_course(care_team, pain_last_7=[3, 4], sessions_last_7=2, flags=("soon",))
    # SQLite answers whether it has JSON once per connection, with a query of its own.
    assert connection.features.supports_json_field
    # Time zones with the count, the sorted rows with their current episodes and open-flag
    # counts, then the two adherence reads (no maintained summary here).
    with django_assert_num_queries(4):
        assert len(summaries(physio, ordering="-adherence_7d")) == 5
    for index in range(45):
        patient_with_course(
            care_team,
            pain_last_7=[3, 4],
            sessions_last_7=2,
            flags=("urgent",),
            timezone="America/New_York" if index % 2 else "Asia/Tokyo",
        )
    with django_assert_num_queries(4):
        assert len(summaries(physio, ordering="-adherence_7d")) == 50


def _expected_order(rows, ordering: str) -> list:
    """The order `ORDERING_FIELDS` documents, computed in Python from the values shown."""
    descending = ordering.startswith("-")
    name = ordering.removeprefix("-")
    if name == "name":
        return _by_name(rows, descending)
    # Every other ordering puts resolved episodes after the others (active, or none yet).
    resolved_rows = [row for row in rows if row.episode_status == "resolved"]
    other_rows = [row for row in rows if row.episode_status != "resolved"]
    if name == "status":
        first, last = (resolved_rows, other_rows) if descending else (other_rows, resolved_rows)
        return sorted(first, key=_tie_break) + sorted(last, key=_tie_break)
    if resolved_rows:
        return _expected_order(other_rows, ordering) + _expected_order(resolved_rows, ordering)
    by_ordering = {
        "affected_side": _by_affected_side,
        "needs_action": _by_needs_action,
        "open_flags": _by_open_flags,
    }
    if name in by_ordering:
        return by_ordering[name](rows, descending)
    return _by_value(rows, name, descending)


def _by_affected_side(rows, descending: bool) -> list:
    side_rank = {"both": 2, "left": 1, "right": 1, None: 0}
    return sorted(
        rows,
        key=lambda row: (
            -side_rank[row.affected_side] if descending else side_rank[row.affected_side],
            _tie_break(row),
        ),
    )


def _by_value(rows, name: str, descending: bool) -> list:
    def value_key(row):
        value = getattr(row, name)
        if isinstance(value, dt.date):
            value = value.toordinal()
        return (_nulls_last(value, reverse=descending), _tie_break(row))

    return sorted(rows, key=value_key)


def _tie_break(row):
    return (row.user.last_name, row.user.first_name, row.pk)


def _nulls_last(value, *, reverse: bool):
    # A key sorting ``value`` ascending (or descending) with None last either way.
    if value is None:
        return (1, 0)
    return (0, -value if reverse else value)


def _by_name(rows, descending: bool) -> list:
    ordered = sorted(rows, key=lambda row: row.pk)
    return sorted(
        ordered, key=lambda row: (row.user.last_name, row.user.first_name), reverse=descending
    )


def _by_needs_action(rows, descending: bool) -> list:
    sign = 1 if descending else -1  # flags descending by default

    def key(row):
        silence = row.days_since_last_checkin
        if descending:  # the reverse: fewest flags, then shortest silence with None first
            silence_key = (0, 0) if silence is None else (1, silence)
        else:
            silence_key = _nulls_last(silence, reverse=True)
        flags = [sign * getattr(row, f"open_flags_{s}") for s in SEVERITIES[:3]]
        return (*flags, silence_key, _tie_break(row))

    return sorted(rows, key=key)


def _by_open_flags(rows, descending: bool) -> list:
    sign = 1 if descending else -1
    return sorted(
        rows,
        key=lambda row: (
            *(sign * getattr(row, f"open_flags_{s}") for s in SEVERITIES),
            _tie_break(row),
        ),
    )


@pytest.mark.parametrize("ordering", [*ORDERING_FIELDS, *(f"-{name}" for name in ORDERING_FIELDS)])
def test_every_ordering_sorts_by_the_values_shown_with_nulls_last_and_name_ties(
    physio, care_team, ordering
):
    # Late on 10 March UTC: already 11 March in Tokyo, so the patients' windows differ.
    late = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
    courses = [
        {"pain_last_7": [3, 4], "sessions_last_7": 2, "flags": ("soon",)},
        {"pain_last_7": [3, 4], "sessions_last_7": 2, "flags": ("soon",)},  # a tie
        {"pain_last_7": [None, None, 7], "pain_previous_7": [2], "flags": ("urgent", "info")},
        {"pain_last_7": [1], "pain_previous_7": [1, 5], "sessions_last_7": 7},
        {"pain_previous_7": [6], "sessions_last_7": 0, "flags": ("emergency",)},
        {"pain_last_7": [5, 5, 5], "onset": dt.date(2025, 6, 1), "flags": ("routine",)},
        {"pain_last_7": [None, 2], "sessions_last_7": 1, "onset": dt.date(2026, 3, 1)},
    ]
    zones = ["Europe/London", "Asia/Tokyo", "America/New_York"]
    for index, course in enumerate(courses):
        patient_with_course(
            care_team,
            timezone=zones[index % 3],
            user__first_name=f"f{index % 2}",
            user__last_name=f"l{index // 2}",
            **course,
        )
    PatientFactory(care_team=care_team, user__first_name="f9", user__last_name="l1")

    rows = patient_summaries(user=physio, ordering=ordering, now=late)[:]

    assert len(rows) == 8
    assert [row.pk for row in rows] == [row.pk for row in _expected_order(rows, ordering)]


def test_a_page_of_a_filtered_cohort_is_counted_by_the_filter(physio, care_team):
    for index in range(3):
        patient_with_course(care_team, pain_last_7=[3], flags=("urgent",) if index else ())

    urgent = patient_summaries(user=physio, filters=SummaryFilters(has_urgent_flags=True), now=NOW)
    everyone = patient_summaries(user=physio, filters=SummaryFilters(), now=NOW)

    assert urgent.count() == 2
    assert len(urgent[0:1]) == 1
    assert everyone.count() == 3


def _resolve(patient, *, on: dt.date) -> None:
    episode = patient.episodes.get()
    episode.status = "resolved"
    episode.resolved_on = on
    episode.save()


def test_resolved_episodes_are_never_silent_never_first_and_their_weeks_stop(physio, care_team):
    active = patient_with_course(care_team, pain_last_7=[3], user__last_name="Active")
    gone = patient_with_course(
        care_team,
        pain_previous_7=[2],
        onset=TODAY - dt.timedelta(days=70),
        flags=("soon",),
        user__last_name="Discharged",
    )
    _resolve(gone, on=TODAY - dt.timedelta(days=28))
    PatientFactory(care_team=care_team, user__last_name="New")

    default = summaries(physio)
    assert names(default) == ["Active", "New", "Discharged"]  # soon flag, long silence: last
    assert names(summaries(physio, status="active")) == ["Active", "New"]
    assert names(summaries(physio, status="resolved")) == ["Discharged"]
    assert names(summaries(physio, filters=SummaryFilters(silent_days_min=3))) == ["New"]
    for ordering in ("-days_since_last_checkin", "open_flags", "-weeks_since_onset", "status"):
        assert names(summaries(physio, ordering=ordering))[-1] == "Discharged"
    assert names(summaries(physio, ordering="-status"))[0] == "Discharged"
    discharged = next(row for row in default if row.pk == gone.pk)
    assert discharged.episode_status == "resolved"
    assert discharged.weeks_since_onset == 6  # 42 days from onset to resolution
    assert next(row for row in default if row.pk == active.pk).episode_status == "active"


def test_an_unknown_status_is_refused(physio):
    with pytest.raises(ValidationFailed) as error:
        summaries(physio, status="archived")
    assert error.value.field == "status"
