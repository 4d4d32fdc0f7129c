"""Who hears about a flag (through apps.notifications), escalation, digests, sweep, advice."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.checkins.models import CheckIn
from apps.episodes.models import Episode
from apps.flags.models import Evaluation, Flag, SweepState
from apps.flags.selectors import open_flag_counts_by_patient
from apps.flags.services import checkin_advice, episode_evaluate, flag_acknowledge
from apps.flags.tasks import sweep_active_episodes
from apps.notifications.flag_announcements import (
    flags_escalate_unacknowledged,
    flags_send_daily_digests,
)
from apps.notifications.models import Notification
from tests.accounts.factories import PatientFactory
from tests.checkins.factories import checkin_payload
from tests.episodes.factories import EpisodeFactory
from tests.flags.conftest import TODAY
from tests.flags.factories import FlagFactory, quiet_checkin

pytestmark = pytest.mark.django_db


def _emergency(episode, capture):
    quiet_checkin(episode, TODAY, red_flags=["fall_or_injury"])
    with capture(execute=True):
        episode_evaluate(episode_id=episode.pk, dates=[TODAY])
    return Flag.objects.get(episode=episode)


def test_a_new_emergency_flag_notifies_the_patient_by_push_and_the_care_team_at_once(
    episode, physio, django_capture_on_commit_callbacks
):
    flag = _emergency(episode, django_capture_on_commit_callbacks)

    sent = {n.dedup_key: n for n in Notification.objects.all()}
    patient_note = sent[f"flag:{flag.id}:patient"]
    physio_note = sent[f"flag:{flag.id}:clinician:{physio.pk}"]
    assert (patient_note.recipient_id, patient_note.priority, patient_note.channels) == (
        episode.patient.user_id,
        "urgent",
        ["push"],
    )
    assert "999" in patient_note.body
    assert (physio_note.recipient_id, physio_note.priority) == (physio.pk, "urgent")


def test_updating_an_open_flag_does_not_notify_again(
    episode, physio, django_capture_on_commit_callbacks
):
    _emergency(episode, django_capture_on_commit_callbacks)
    count = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    assert Notification.objects.count() == count


def test_a_routine_flag_notifies_nobody_at_once(
    episode, physio, django_capture_on_commit_callbacks
):
    for offset in range(3):
        quiet_checkin(episode, TODAY - dt.timedelta(days=offset), morning_stiffness_minutes=31)
    with django_capture_on_commit_callbacks(execute=True):
        episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    assert Flag.objects.get().rule == "morning_stiffness"
    assert Notification.objects.count() == 0


def test_an_urgent_flag_unacknowledged_for_4_hours_escalates_once_to_clinic_admins(
    episode, physio, clinic_admin, clock
):
    flag = FlagFactory(episode=episode, rule="skin_colour_change", severity="urgent")
    clock.shift(dt.timedelta(hours=3, minutes=59))
    assert flags_escalate_unacknowledged() == 0

    clock.shift(dt.timedelta(minutes=1))
    assert flags_escalate_unacknowledged() == 1
    assert flags_escalate_unacknowledged() == 0

    [escalation] = Notification.objects.filter(kind="flag_escalation")
    assert (escalation.recipient_id, escalation.dedup_key) == (
        clinic_admin.pk,
        f"flag:{flag.id}:escalation:{clinic_admin.pk}",
    )


def test_an_acknowledged_urgent_flag_does_not_escalate(episode, physio, clinic_admin, clock):
    flag = FlagFactory(episode=episode, rule="skin_colour_change", severity="urgent")
    flag_acknowledge(flag=flag, by=physio, note="")
    clock.shift(dt.timedelta(hours=5))

    assert flags_escalate_unacknowledged() == 0
    assert not Notification.objects.filter(kind="flag_escalation").exists()


def test_one_daily_digest_per_physiotherapist_lists_soon_and_routine_flags(episode, physio, clock):
    FlagFactory(episode=episode, rule="morning_stiffness", severity="routine")
    FlagFactory(episode=episode, rule="pain_worsening", severity="soon")
    FlagFactory(episode=episode, rule="low_adherence", severity="info")

    assert flags_send_daily_digests() == 1
    assert flags_send_daily_digests() == 0

    [digest] = Notification.objects.filter(kind="flag_digest")
    assert digest.recipient_id == physio.pk
    assert digest.body == "2 open flags to review (2 new in the last 24 hours): 1 soon, 1 routine."


def test_checkin_advice_gives_emergency_and_urgent_messages_for_each_check_in(episode):
    fall = quiet_checkin(episode, TODAY, red_flags=["fall_or_injury", "skin_colour_change"])
    quiet = quiet_checkin(episode, TODAY - dt.timedelta(days=1))

    advice = checkin_advice(checkins=[fall, quiet])

    assert [item["rule"] for item in advice[fall.id]] == ["fall_or_injury", "skin_colour_change"]
    assert advice[fall.id][1]["severity"] == "urgent"
    assert "111" in advice[fall.id][1]["message"]
    assert advice[quiet.id] == []


def test_checkin_advice_costs_the_same_queries_for_many_check_ins(
    episode, django_assert_num_queries
):
    for n in range(20):
        quiet_checkin(episode, TODAY - dt.timedelta(days=n))
    # Read back, as `POST sync/` has them: their episode is not loaded yet.
    checkins = list(CheckIn.objects.filter(episode=episode))

    with django_assert_num_queries(2):
        checkin_advice(checkins=checkins)


def test_checkin_advice_reuses_the_episode_the_check_in_was_created_with(
    episode, django_assert_num_queries
):
    episode = Episode.objects.select_related("patient").get(pk=episode.pk)
    checkin = quiet_checkin(episode, TODAY)

    with django_assert_num_queries(1):  # the check-ins of the window only
        checkin_advice(checkins=[checkin])


def test_a_check_in_reporting_no_weight_bearing_gets_advice_in_its_201(
    patient_client, episode, physio, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(
            "/api/v1/checkins/", checkin_payload(TODAY, weight_bearing="none"), format="json"
        )

    assert response.status_code == 201
    assert [item["rule"] for item in response.json()["advice"]] == ["cannot_bear_weight"]
    assert Flag.objects.get(episode=episode).rule == "cannot_bear_weight"


def test_a_late_check_in_re_evaluates_its_date_and_every_date_after_it(
    patient_client, episode, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post(
            "/api/v1/checkins/", checkin_payload(TODAY - dt.timedelta(days=3)), format="json"
        )

    assert sorted(Evaluation.objects.filter(episode=episode).values_list("date", flat=True)) == [
        TODAY - dt.timedelta(days=n) for n in (3, 2, 1, 0)
    ]


def test_the_nightly_sweep_raises_missed_checkins_and_is_resumable_and_idempotent(
    patient, clock, django_capture_on_commit_callbacks
):
    episodes = [EpisodeFactory(patient=PatientFactory()) for _ in range(3)]
    clock.shift(dt.timedelta(days=5))
    for episode in episodes[:1]:
        quiet_checkin(episode, TODAY + dt.timedelta(days=4))

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_active_episodes(batch_size=2) == 3
    assert sweep_active_episodes(batch_size=2) == 0  # finished today

    missed = Flag.objects.filter(rule="missed_checkins")
    assert sorted(f.episode_id for f in missed) == sorted(e.pk for e in episodes[1:])
    assert SweepState.objects.get().last_episode_id == max(e.pk for e in episodes)


def test_open_flag_counts_by_patient_has_every_severity_in_one_query(
    episode, django_assert_num_queries
):
    FlagFactory(episode=episode, rule="fall_or_injury", severity="emergency")
    FlagFactory(episode=episode, rule="morning_stiffness", severity="routine")
    other = PatientFactory()

    with django_assert_num_queries(1):
        counts = open_flag_counts_by_patient([episode.patient_id, other.pk])

    assert counts[episode.patient_id] == {
        "emergency": 1,
        "urgent": 0,
        "soon": 0,
        "routine": 1,
        "info": 0,
    }
    assert counts[other.pk] == dict.fromkeys(["emergency", "urgent", "soon", "routine", "info"], 0)
