"""`lost_to_follow_up` end to end: the latest activity the nightly snapshot loads, the nightly
sweep that opens the flag, the check-in that stops it holding, and the digest that tells the
care team."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.flags.activity import last_activity_by_episode
from apps.flags.models import Evaluation, Flag
from apps.flags.services import flag_resolve
from apps.flags.tasks import sweep_active_episodes
from apps.notifications.flag_announcements import flags_send_daily_digests
from apps.notifications.models import Notification
from tests.accounts.factories import PatientFactory, physio_in
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import ExerciseSessionFactory, PlanItemFactory
from tests.flags.conftest import NOW, TODAY
from tests.flags.factories import quiet_checkin

pytestmark = pytest.mark.django_db

RULE = "lost_to_follow_up"


def _day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


@pytest.fixture
def sweep_on(episode, clock, django_capture_on_commit_callbacks):
    """Run the nightly sweep on TODAY + offset (London noon) and return the episode's
    evaluation record of that date."""

    def sweep(offset: int) -> Evaluation:
        clock.move_to(NOW + dt.timedelta(days=offset))
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_active_episodes() >= 1
        return Evaluation.objects.get(episode=episode, date=_day(offset))

    return sweep


def test_the_latest_activity_of_each_kind_is_read_up_to_each_episodes_today(
    episode, django_assert_num_queries
):
    quiet_checkin(episode, _day(-10))
    quiet_checkin(episode, _day(-3))
    item = PlanItemFactory(plan__episode=episode)
    ExerciseSessionFactory(plan_item=item, date=_day(-5))
    ExerciseSessionFactory(plan_item=item, date=_day(-1))
    silent = EpisodeFactory(patient=PatientFactory())
    other = EpisodeFactory(patient=PatientFactory())
    quiet_checkin(other, _day(-2))

    with django_assert_num_queries(2):  # one per distinct local today
        found = last_activity_by_episode({episode.pk: _day(-4), silent.pk: TODAY, other.pk: TODAY})

    assert found == {
        episode.pk: {
            "checkin": _day(-10),
            "exercise_session": _day(-5),
            "questionnaire_response": None,
        },
        silent.pk: {"checkin": None, "exercise_session": None, "questionnaire_response": None},
        other.pk: {"checkin": _day(-2), "exercise_session": None, "questionnaire_response": None},
    }


def test_the_nightly_sweep_opens_lost_to_follow_up_and_a_later_check_in_stops_it_holding(
    episode, physio, sweep_on
):
    quiet_checkin(episode, TODAY)  # enrolled and checked in on TODAY, then silent

    record = sweep_on(7)  # the 7 dates before: TODAY..TODAY+6, with the check-in
    assert record.not_held[RULE] == f"check-in on {TODAY}: 6 days silent (< 7)"
    assert not Flag.objects.filter(rule=RULE).exists()

    sweep_on(8)  # TODAY+1..TODAY+7: nothing
    flag = Flag.objects.get(episode=episode, rule=RULE)
    assert (flag.severity, flag.status, flag.opened_for_date) == ("routine", "open", _day(8))
    assert flag.evidence["last_activity"] == {
        "checkin": TODAY.isoformat(),
        "exercise_session": None,
        "questionnaire_response": None,
    }
    assert (flag.evidence["days_silent"], flag.evidence["thresholds"]) == (
        7,
        {"lost_to_follow_up_days": 7},
    )
    assert flag.clinician_summary.startswith(
        "no check-in, exercise session or questionnaire response for 7 days (≥ 7)"
    )
    assert "not heard from you" in flag.patient_message
    # Both engagement rules hold; only missed_checkins tells the patient at once, and a
    # routine flag tells nobody at once (the care team hears in the digest).
    assert Flag.objects.filter(episode=episode, rule="missed_checkins").exists()
    assert not Notification.objects.filter(kind__in=["flag_new", "flag_advice"]).exists()

    quiet_checkin(episode, _day(8))  # heard from again
    record = sweep_on(9)
    assert record.not_held[RULE] == f"check-in on {_day(8)}: 0 days silent (< 7)"
    # As with every rule, the flag stays for the care team to resolve.
    flag.refresh_from_db()
    assert (flag.status, flag.held_dates) == ("open", [_day(8).isoformat()])

    flag_resolve(flag=flag, by=physio)
    sweep_on(10)
    sweep_on(15)  # last heard from on TODAY+8: 6 silent dates
    assert Flag.objects.filter(rule=RULE).count() == 1
    sweep_on(16)  # silent again for 7 dates after a day the rule did not hold: a new flag
    new = Flag.objects.get(rule=RULE, status="open")
    assert (new.opened_for_date, new.evidence["days_silent"]) == (_day(16), 7)


def test_an_exercise_session_alone_keeps_the_patient_from_being_lost(episode, sweep_on):
    item = PlanItemFactory(plan__episode=episode)
    ExerciseSessionFactory(plan_item=item, date=_day(5))

    record = sweep_on(9)

    assert record.not_held[RULE] == f"exercise session on {_day(5)}: 3 days silent (< 7)"
    assert "missed_checkins" in record.held  # no check-in for 3 days: both rules are separate


def test_a_brand_new_episode_is_not_lost_on_its_first_days(episode, sweep_on, clock):
    clock.move_to(NOW + dt.timedelta(days=20))
    fresh = EpisodeFactory(patient=PatientFactory())  # enrolled on TODAY+20, no data

    sweep_on(26)

    record = Evaluation.objects.get(episode=fresh, date=_day(26))
    assert record.not_evaluated[RULE] == (
        f"the episode started on {_day(20)}, fewer than 7 days before {_day(26)}"
    )
    assert not Flag.objects.filter(episode=fresh, rule=RULE).exists()
    # The older, silent episode is lost by then.
    assert Flag.objects.filter(episode=episode, rule=RULE).exists()


def test_a_care_team_members_digest_names_the_silent_patients_flag(episode, physio, sweep_on):
    other_episode = EpisodeFactory(patient=PatientFactory())  # another care team, silent too
    other_physio = physio_in(other_episode.patient.care_team)
    quiet_checkin(episode, TODAY)
    sweep_on(9)
    flag = Flag.objects.get(episode=episode, rule=RULE)
    other_flag = Flag.objects.get(episode=other_episode, rule=RULE)

    assert flags_send_daily_digests() == 2

    digests = {n.recipient_id: n for n in Notification.objects.filter(kind="flag_digest")}
    digest = digests[physio.pk]
    assert digest.body == (
        "1 open flags to review (1 new in the last 24 hours): 1 routine.\n"
        "- lost_to_follow_up (routine): no check-in, exercise session or questionnaire "
        f"response for 8 days (≥ 7) since {_day(1)}: last check-in {TODAY}, "
        "last exercise session none, last questionnaire response none"
    )
    assert digest.data["flag_ids"] == digest.data["detailed_flag_ids"] == [str(flag.id)]
    assert digest.data["rules"] == {RULE: 1}
    # The other team hears of its own silent patient only (enrolled and never heard from).
    assert digests[other_physio.pk].data["detailed_flag_ids"] == [str(other_flag.id)]
    assert f"for 9 days (≥ 7) since {TODAY}:" in digests[other_physio.pk].body


def test_only_nightly_snapshots_load_the_latest_activity(episode, clock):
    from apps.flags.rules import thresholds_in_force
    from apps.flags.selectors import build_snapshot

    quiet_checkin(episode, TODAY)
    clock.move_to(NOW + dt.timedelta(days=8))
    thresholds = thresholds_in_force()

    nightly = build_snapshot(
        episode_id=episode.pk, date_from=None, thresholds=thresholds, nightly=True
    )
    request = build_snapshot(episode_id=episode.pk, date_from=None, thresholds=thresholds)

    assert dict(nightly.last_activity) == {
        "checkin": TODAY,
        "exercise_session": None,
        "questionnaire_response": None,
    }
    assert dict(request.last_activity) == {}


def test_a_digest_quotes_at_most_20_silent_patients_and_counts_the_rest(care_team, physio, clock):
    from apps.notifications.flag_announcements import DIGEST_DETAIL_MAX
    from tests.flags.factories import FlagFactory

    for n in range(DIGEST_DETAIL_MAX + 2):
        episode = EpisodeFactory(patient=PatientFactory(care_team=care_team))
        FlagFactory(episode=episode, rule=RULE, clinician_summary=f"silent {n}")
        clock.shift(dt.timedelta(seconds=1))  # quoted oldest first

    flags_send_daily_digests()

    digest = Notification.objects.get(kind="flag_digest")
    lines = digest.body.split("\n")
    assert lines[1:3] == [
        "- lost_to_follow_up (routine): silent 0",
        "- lost_to_follow_up (routine): silent 1",
    ]
    assert lines[-1] == "- and 2 more in the dashboard"
    assert len(lines) == 1 + DIGEST_DETAIL_MAX + 1
    assert len(digest.data["detailed_flag_ids"]) == DIGEST_DETAIL_MAX
    assert len(digest.data["flag_ids"]) == DIGEST_DETAIL_MAX + 2
