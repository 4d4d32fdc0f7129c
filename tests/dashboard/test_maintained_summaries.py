"""Maintained patient summaries (apps/dashboard/summary_store.py).

The property: after any sequence of writes through the real services (check-ins and their
corrections, exercise sessions and their deletion, plans, episodes opened, resolved and
reopened, questionnaire responses, time passing past local midnights, time-zone changes) and
changes of the instrument catalogue outside the outbox (a score definition's MCID or which way
is better, as a data migration would change them), the dashboard with maintained summaries
shows exactly what it computes without them, latest scores included — at every step, whether
the outbox was processed or not — and once the outbox is processed and stale summaries
refreshed, every summary is fresh (the page really uses it) and equals the summary computed
from the record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.services import patient_update_profile
from apps.checkins.models import CheckIn
from apps.core.exceptions import Conflict, ValidationFailed
from apps.dashboard.api.serializers import PatientSummarySerializer
from apps.dashboard.models import MaintainedSummary
from apps.dashboard.row_scores import with_latest_scores
from apps.dashboard.selectors import SummaryFilters, patient_summaries
from apps.dashboard.summary_columns import STORED_COLUMNS
from apps.dashboard.summary_store import (
    stale_summary_patients,
    summaries_compute,
    summaries_rebuild,
    summaries_refresh_stale,
)
from apps.episodes.models import Episode, EpisodeStatus, RecordChange
from apps.episodes.record_changes import record_changes_applied
from apps.episodes.services import episode_create, episode_update
from apps.exercises.models import ExerciseSession, PlanItem
from apps.exercises.services import exercise_session_delete, exercise_session_submit, plan_create
from apps.flags.record_changes import record_changes_process
from apps.intake.services import checkin_correct, checkin_submit
from apps.outcomes.models import ScoreDefinition
from apps.outcomes.services import questionnaire_response_submit
from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.checkins.factories import checkin_payload
from tests.dashboard.factories import CheckInFactory, EpisodeFactory, ExerciseFactory
from tests.outcomes.helpers import psfs_body

pytestmark = pytest.mark.django_db

#: 11:30 UTC: London 11:30, New York 06:30 the same date, Auckland 00:30 the next date.
START = dt.datetime(2026, 3, 10, 11, 30, tzinfo=dt.UTC)
ZONES = ("Europe/London", "America/New_York", "Pacific/Auckland")
ORDERINGS = ("-pain_7d_mean", "adherence_7d", "-last_checkin_date", "needs_action")
STORED_FIELDS = [
    "computed_for",
    "timezone",
    *STORED_COLUMNS,
    "adherence_7d",
    "latest_scores",
    "scores_stamp",
]


def _today(patient) -> dt.date:
    from apps.core.timezones import local_today

    patient.refresh_from_db(fields=["timezone"])
    return local_today(patient.timezone)


def _page(user, ordering: str, *, maintained: bool, **options) -> list[dict]:
    rows = patient_summaries(user=user, ordering=ordering, maintained=maintained, **options)
    return [PatientSummarySerializer(row).data for row in with_latest_scores(rows[:100])]


def _assert_same_dashboard(user) -> None:
    for ordering in ORDERINGS:
        assert _page(user, ordering, maintained=True) == _page(user, ordering, maintained=False)
    filters = SummaryFilters(adherence_below=0.8)
    assert _page(user, "name", maintained=True, filters=filters) == _page(
        user, "name", maintained=False, filters=filters
    )


def _assert_summaries_fresh_and_equal(patients) -> None:
    ids = [patient.pk for patient in patients]
    computed = {s.patient_id: s for s in summaries_compute(ids)}
    stored = {s.patient_id: s for s in MaintainedSummary.objects.filter(patient_id__in=ids)}
    assert set(stored) == set(computed) == set(ids)
    for pk in ids:
        assert [getattr(stored[pk], f) for f in STORED_FIELDS] == [
            getattr(computed[pk], f) for f in STORED_FIELDS
        ]
    assert not RecordChange.objects.filter(
        episode__patient_id__in=ids, processed_at__isnull=True
    ).exists()
    assert stale_summary_patients() == [] or not set(stale_summary_patients()) & set(ids)


class World:
    """Three patients of one care team in three time zones: one with an episode, a plan and
    two questionnaire responses, one with an episode only, one without an episode (just
    enrolled)."""

    def __init__(self) -> None:
        team = CareTeamFactory()
        self.physio = physio_in(team)
        self.patients = [PatientFactory(care_team=team, timezone=zone) for zone in ZONES]
        for patient in self.patients[:2]:
            EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 1, 5))
        self.exercise = ExerciseFactory()
        episode = Episode.objects.get(patient=self.patients[0])
        self.prescribe(episode, days_back=20, days_per_week=5)
        # A baseline and a later, worse PSFS: the latest score has a change from baseline
        # that the catalogue's MCID and direction judge (`_catalogue`).
        for days_back, ratings in ((20, [6, 7, 8]), (2, [2, 3, 3])):
            completed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_back)
            body = psfs_body(ratings, completed_at=completed_at)
            questionnaire_response_submit(patient=self.patients[0], data=body)

    def prescribe(self, episode: Episode, *, days_back: int, days_per_week: int) -> None:
        starts_on = _today(episode.patient) - dt.timedelta(days=days_back)
        items = [{"exercise": self.exercise, "sets": 2, "reps": 10, "days_per_week": days_per_week}]
        plan_create(episode=episode, by=self.physio, starts_on=starts_on, items=items)

    def active_episode(self, patient) -> Episode | None:
        return Episode.objects.filter(patient=patient, status=EpisodeStatus.ACTIVE).first()


# --- The steps --------------------------------------------------------------------------------


def _checkin(world: World, patient, days_back: int, pain: int) -> None:
    if world.active_episode(patient) is None:
        return
    day = _today(patient) - dt.timedelta(days=days_back)
    checkin_submit(patient=patient, data=checkin_payload(day, pain_now=pain, pain_worst_24h=pain))


def _correct(world: World, patient, days_back: int, pain: int) -> None:
    day = _today(patient) - dt.timedelta(days=days_back)
    checkin = CheckIn.objects.filter(patient=patient, date__lte=day).order_by("-date").first()
    if checkin is not None:
        with contextlib.suppress(ValidationFailed):  # a closed correction window: refused
            checkin_correct(checkin=checkin, data={"pain_now": pain})


def _session(world: World, patient, days_back: int, _value: int) -> None:
    episode = world.active_episode(patient)
    item = PlanItem.objects.filter(plan__episode=episode).order_by("-plan__starts_on").first()
    if item is None:
        return
    body = {
        "client_id": str(uuid.uuid4()),
        "date": (_today(patient) - dt.timedelta(days=days_back)).isoformat(),
        "plan_item": str(item.pk),
        "sets_done": 2,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    exercise_session_submit(patient=patient, data=body)


def _delete_session(world: World, patient, _days_back: int, _value: int) -> None:
    session = ExerciseSession.objects.filter(patient=patient).order_by("-date").first()
    if session is not None:
        with contextlib.suppress(ValidationFailed):  # a closed correction window: refused
            exercise_session_delete(session=session)


def _plan(world: World, patient, days_back: int, value: int) -> None:
    episode = world.active_episode(patient)
    if episode is not None:
        with contextlib.suppress(Conflict):  # backdated over logged sessions: refused
            world.prescribe(episode, days_back=min(days_back, 10), days_per_week=1 + value % 7)


def _episode_change(world: World, patient, days_back: int, _value: int) -> None:
    episode = world.active_episode(patient)
    if episode is not None:
        resolved_on = max(_today(patient) - dt.timedelta(days=days_back), dt.date(2026, 1, 6))
        episode_update(episode=episode, data={"status": "resolved", "resolved_on": resolved_on})
        return
    latest = Episode.objects.filter(patient=patient).order_by("-created_at").first()
    if latest is not None and days_back % 2:
        episode_update(episode=latest, data={"status": "active"})
    else:
        onset = _today(patient) - dt.timedelta(days=30 + days_back)
        episode_create(
            patient=patient,
            by=world.physio,
            data={"affected_side": "right", "symptom_onset_date": onset},
        )


def _time_zone(world: World, patient, _days_back: int, value: int) -> None:
    patient_update_profile(patient=patient, data={"timezone": ZONES[value % len(ZONES)]})


def _questionnaire(world: World, patient, days_back: int, value: int) -> None:
    """A PSFS response through the service (refused without an episode, or before onset)."""
    completed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_back, minutes=5)
    ratings = [value, (value + 4) % 11, (value + 7) % 11]
    body = psfs_body(ratings, completed_at=completed_at)
    questionnaire_response_submit(patient=patient, data=body)


def _catalogue(world: World, _patient, _days_back: int, value: int) -> None:
    """A change of PSFS's score definitions past the outbox (a data migration): the MCID that
    decides "better" or "worse", or which way is better."""
    definitions = ScoreDefinition.objects.filter(instrument__code="psfs")
    if value % 3:
        definitions.update(mcid=[None, 0.5, 2.0, 3.0, 6.0][value % 5])
    else:
        flipped = "lower" if definitions.filter(better="higher").exists() else "higher"
        definitions.update(better=flipped)


STEPS = {
    "checkin": _checkin,
    "correct": _correct,
    "session": _session,
    "delete_session": _delete_session,
    "plan": _plan,
    "episode": _episode_change,
    "time_zone": _time_zone,
    "questionnaire": _questionnaire,
    "catalogue": _catalogue,
}

step = st.one_of(
    st.tuples(
        st.sampled_from(sorted(STEPS)),
        st.integers(min_value=0, max_value=2),  # which patient
        st.integers(min_value=0, max_value=16),  # days back
        st.integers(min_value=0, max_value=10),  # a value (pain, days per week, zone)
    ),
    st.tuples(st.just("hours"), st.integers(min_value=1, max_value=30), st.just(0), st.just(0)),
    st.tuples(st.just("process"), st.booleans(), st.just(0), st.just(0)),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_maintained_summaries_always_show_the_computed_dashboard(steps):
    with time_machine.travel(START, tick=False) as clock:
        world = World()
        record_changes_process()
        summaries_refresh_stale()
        _assert_summaries_fresh_and_equal(world.patients)
        _assert_same_dashboard(world.physio)
        for kind, who, days_back, value in steps:
            if kind == "hours":
                clock.shift(dt.timedelta(hours=who))
            elif kind == "process":
                record_changes_process()
                if who:
                    summaries_refresh_stale()
            else:
                STEPS[kind](world, world.patients[who], days_back, value)
            _assert_same_dashboard(world.physio)
        record_changes_process()
        summaries_refresh_stale()
        _assert_summaries_fresh_and_equal(world.patients)
        assert all(_fresh_flags(world.physio).values())  # the page uses every summary
        _assert_same_dashboard(world.physio)


# --- Single cases -----------------------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock):
    built = World()
    record_changes_process()
    summaries_refresh_stale()
    return built


def _fresh_flags(user) -> dict:
    rows = patient_summaries(user=user, ordering="name")
    return {row.pk: row.summary_fresh for row in rows[:100]}


def test_processing_the_outbox_refreshes_the_summary_with_the_marking(world):
    patient = world.patients[1]
    _checkin(world, patient, 0, 9)
    assert _fresh_flags(world.physio)[patient.pk] is False  # a change is pending: computed
    assert _page(world.physio, "name", maintained=True)[1]["pain_now_latest"] == 9
    record_changes_process()
    assert MaintainedSummary.objects.get(patient=patient).pain_now_latest == 9
    assert all(_fresh_flags(world.physio).values())


def test_a_summary_is_stale_after_local_midnight_and_after_a_time_zone_change(world, clock):
    assert all(_fresh_flags(world.physio).values())
    london, new_york, auckland = world.patients
    clock.shift(dt.timedelta(hours=13))  # London passes midnight; New York and Auckland do not
    flags = _fresh_flags(world.physio)
    assert flags == {london.pk: False, new_york.pk: True, auckland.pk: True}
    assert stale_summary_patients() == [london.pk]
    summaries_refresh_stale()
    assert all(_fresh_flags(world.physio).values())
    patient_update_profile(patient=new_york, data={"timezone": "Pacific/Auckland"})
    assert _fresh_flags(world.physio)[new_york.pk] is False
    assert stale_summary_patients() == [new_york.pk]
    _assert_same_dashboard(world.physio)


def test_a_failing_listener_leaves_the_changes_pending_and_the_page_computed(world):
    patient = world.patients[0]

    def broken(_episodes):
        raise RuntimeError("summary store down")

    record_changes_applied.register(broken)
    try:
        _checkin(world, patient, 0, 7)
        result = record_changes_process()
    finally:
        record_changes_applied.unregister(broken)
    assert (result.failed, result.processed) == (1, 0)
    assert RecordChange.objects.filter(episode__patient=patient, processed_at__isnull=True).exists()
    assert MaintainedSummary.objects.get(patient=patient).pain_now_latest != 7
    assert _fresh_flags(world.physio)[patient.pk] is False
    rows = {row["id"]: row for row in _page(world.physio, "name", maintained=True)}
    assert rows[str(patient.pk)]["pain_now_latest"] == 7


def test_a_failing_summary_column_drops_the_summary_and_the_outbox_goes_on(world, monkeypatch):
    from apps.dashboard import summary_store

    patient = world.patients[0]

    def broken(_ids, **_options):
        raise RuntimeError("a bug in a summary column")

    monkeypatch.setattr(summary_store, "summaries_compute", broken)
    _checkin(world, patient, 0, 8)
    result = record_changes_process()
    assert (result.failed, result.processed) == (0, 1)
    assert not MaintainedSummary.objects.filter(patient=patient).exists()
    assert _fresh_flags(world.physio)[patient.pk] is False
    rows = {row["id"]: row for row in _page(world.physio, "name", maintained=True)}
    assert rows[str(patient.pk)]["pain_now_latest"] == 8
    monkeypatch.undo()
    assert stale_summary_patients() == [patient.pk]
    summaries_refresh_stale()
    _assert_summaries_fresh_and_equal(world.patients)


def test_a_bulk_write_past_the_outbox_needs_the_rebuild(world):
    """What the cohort generator does: bulk rows, then a rebuild (the one way a summary could
    be wrong is a write that skips the outbox; tests/episodes/test_record_changes.py holds
    every writer of a record model to write its change row)."""
    patient = world.patients[1]
    CheckInFactory(episode=world.active_episode(patient), date=_today(patient), pain_now=10)
    assert summaries_rebuild() >= len(world.patients)
    assert MaintainedSummary.objects.get(patient=patient).pain_now_latest == 10
    _assert_summaries_fresh_and_equal(world.patients)
    _assert_same_dashboard(world.physio)


def test_a_fresh_page_skips_the_adherence_reads(world):
    """With every summary fresh the page needs neither adherence read (two queries fewer),
    and its query count does not depend on the number of patients."""

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = patient_summaries(user=world.physio, ordering="-pain_7d_mean")
            list(rows[:50])
        return len(queries)

    fresh = count()
    _checkin(world, world.patients[0], 0, 3)  # pending: that row computes its adherence
    assert count() == fresh + 2
    record_changes_process()
    assert count() == fresh


def _latest_scores(user) -> dict:
    rows = patient_summaries(user=user, ordering="name")
    return {row.pk: row.latest_scores for row in with_latest_scores(rows[:100])}


def test_a_fresh_page_reads_no_scores_and_a_response_refreshes_them(world):
    """The latest scores come with the row from a fresh summary (no scores query); a new
    response makes that row's summary stale (its scores are read, one query) until the
    outbox is processed, which stores the new latest score."""
    patient = world.patients[0]

    def scores_and_queries() -> tuple[dict, int]:
        rows = list(patient_summaries(user=world.physio, ordering="name")[:100])
        with CaptureQueriesContext(connection) as queries:
            with_latest_scores(rows)
        return {row.pk: row.latest_scores for row in rows}, len(queries)

    scores, queries = scores_and_queries()
    assert queries == 0
    assert [s["value"] for s in scores[patient.pk]] == [pytest.approx(8 / 3, abs=1e-3)]
    body = psfs_body([9, 9, 9], completed_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    questionnaire_response_submit(patient=patient, data=body)
    scores, queries = scores_and_queries()
    assert queries == 1
    assert [s["value"] for s in scores[patient.pk]] == [9.0]
    record_changes_process()
    stored = MaintainedSummary.objects.get(patient=patient).latest_scores
    assert [s["value"] for s in stored] == [9.0]
    assert scores_and_queries() == (scores, 0)


def test_a_catalogue_change_makes_the_summaries_stale_until_refreshed(world):
    """A score definition changed past the outbox (here the MCID, so the latest PSFS is no
    longer a meaningful worsening): no summary is fresh, the page shows the scores as the
    new catalogue judges them, and the periodic refresh stores them."""
    patient = world.patients[0]
    [before] = _latest_scores(world.physio)[patient.pk]
    assert before["meaningful"] == "worse"
    ScoreDefinition.objects.filter(instrument__code="psfs").update(mcid=10.0)
    assert not any(_fresh_flags(world.physio).values())
    [after] = _latest_scores(world.physio)[patient.pk]
    assert after == {**before, "meaningful": "none"}
    assert sorted(stale_summary_patients(), key=str) == sorted(
        (p.pk for p in world.patients), key=str
    )
    summaries_refresh_stale()
    assert all(_fresh_flags(world.physio).values())
    assert MaintainedSummary.objects.get(patient=patient).latest_scores == [after]
    _assert_summaries_fresh_and_equal(world.patients)
