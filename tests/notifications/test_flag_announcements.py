"""Who hears about a new flag is a row apps.notifications claims: apps.flags stores every new
flag unannounced and kicks after commit (`apps.flags.hooks.flags_opened`); the claim
(`flags_announce_pending`) tells the patient and care team and marks the flag announced. A
lost kick is caught by the minute beat tick; a dead run's lease expires."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from apps.flags.hooks import flags_opened
from apps.flags.models import Flag
from apps.flags.services import episode_evaluate
from apps.notifications import flag_announcements
from apps.notifications.flag_announcements import ANNOUNCE_LEASE, flags_announce_pending
from apps.notifications.models import Notification
from apps.notifications.tasks import kick_flag_announcements
from tests.episodes.factories import EpisodeFactory
from tests.flags.conftest import NOW, TODAY
from tests.flags.factories import FlagFactory, quiet_checkin

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(patient, clock):
    return EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=60))


@pytest.fixture
def lost_kick():
    """The broker lost the after-commit kick: nobody listens to flags_opened."""
    flags_opened.unregister(kick_flag_announcements)
    yield
    flags_opened.register(kick_flag_announcements)


def _emergency(episode, capture) -> Flag:
    quiet_checkin(episode, TODAY, red_flags=["fall_or_injury"])
    with capture(execute=True):
        episode_evaluate(episode_id=episode.pk, dates=[TODAY])
    return Flag.objects.get(episode=episode)


def test_notifications_listens_to_new_flags_and_beat_sweeps_them():
    assert kick_flag_announcements in flags_opened.listeners
    tick = settings.CELERY_BEAT_SCHEDULE["notifications-announce-new-flags"]
    assert (tick["task"], tick["schedule"]) == ("notifications.announce_new_flags", 60)


def test_a_new_emergency_flag_is_announced_at_once_after_commit(
    episode, physio, django_capture_on_commit_callbacks
):
    flag = _emergency(episode, django_capture_on_commit_callbacks)

    assert flag.announced_at is not None
    assert flag.announce_lease_until is None
    assert set(Notification.objects.values_list("dedup_key", flat=True)) == {
        f"flag:{flag.id}:patient",
        f"flag:{flag.id}:clinician:{physio.pk}",
    }


def test_a_lost_kick_leaves_the_flag_unannounced_until_the_tick_announces_it_once(
    episode, physio, lost_kick, django_capture_on_commit_callbacks
):
    flag = _emergency(episode, django_capture_on_commit_callbacks)
    assert flag.announced_at is None
    assert not Notification.objects.exists()

    assert flags_announce_pending() == 1
    assert flags_announce_pending() == 0

    flag.refresh_from_db()
    assert flag.announced_at is not None
    assert Notification.objects.filter(kind="flag_advice", priority="urgent").count() == 1
    assert Notification.objects.filter(kind="flag_new", recipient=physio).count() == 1


def test_a_flag_that_tells_nobody_at_once_is_marked_announced_without_a_notification(episode):
    flag = FlagFactory(episode=episode, severity="routine")

    assert flags_announce_pending() == 1

    flag.refresh_from_db()
    assert flag.announced_at is not None
    assert not Notification.objects.exists()


def test_a_leased_flag_waits_for_its_lease_and_a_retry_sends_nothing_twice(episode, physio, clock):
    flag = FlagFactory(episode=episode, severity="urgent", rule="cannot_bear_weight")
    now = timezone.now()
    # Another run claimed it and died before marking it announced (after sending).
    Flag.objects.filter(pk=flag.pk).update(announce_lease_until=now + ANNOUNCE_LEASE)
    flag_announcements.flag_announce(flag=Flag.objects.get(pk=flag.pk))
    sent = Notification.objects.count()

    assert flags_announce_pending(now=now) == 0
    assert flags_announce_pending(now=now + ANNOUNCE_LEASE) == 1

    assert Notification.objects.count() == sent  # dedup keys: nothing twice
    flag.refresh_from_db()
    assert flag.announced_at is not None


def test_a_failing_announcement_is_left_for_a_later_run_and_others_go_on(
    episode, physio, monkeypatch, caplog
):
    failing = FlagFactory(episode=episode, severity="urgent", rule="cannot_bear_weight")
    fine = FlagFactory(episode=episode, severity="routine", rule="morning_stiffness")
    real = flag_announcements.flag_announce

    def announce(*, flag):
        if flag.pk == failing.pk:
            raise RuntimeError("provider down")
        real(flag=flag)

    monkeypatch.setattr(flag_announcements, "flag_announce", announce)

    assert flags_announce_pending() == 1

    failing.refresh_from_db()
    fine.refresh_from_db()
    assert failing.announced_at is None
    assert failing.announce_lease_until is not None  # retried once the lease expires
    assert fine.announced_at is not None
    assert "flag announcement failed" in caplog.text


def test_a_listener_that_fails_never_fails_the_evaluation(
    episode, physio, django_capture_on_commit_callbacks
):
    def broken(ids):
        raise RuntimeError("broker down")

    flags_opened.register(broken)
    try:
        flag = _emergency(episode, django_capture_on_commit_callbacks)
    finally:
        flags_opened.unregister(broken)

    assert flag.status == "open"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_announces_a_new_emergency_flag_at_once(celery_worker):
    from apps.core.timezones import local_today
    from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
    from tests.conftest import wait_until

    team = CareTeamFactory()
    physio = physio_in(team)
    patient = PatientFactory(care_team=team)
    episode = EpisodeFactory(patient=patient)
    quiet_checkin(episode, local_today(patient.timezone), red_flags=["fall_or_injury"])

    episode_evaluate(episode_id=episode.pk, dates=[local_today(patient.timezone)])

    def announced() -> bool:
        return Notification.objects.filter(kind="flag_new", recipient=physio).exists()

    assert wait_until(announced, timeout=30)
    assert Flag.objects.get(episode=episode).announced_at is not None
