from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.accounts.demo import DEMO_PATIENTS, load_demo_accounts
from apps.checkins.demo import load_demo_record
from apps.checkins.models import CheckIn
from apps.episodes.models import Episode
from tests.checkins.factories import CheckInFactory

pytestmark = pytest.mark.django_db


def test_demo_gives_every_demo_patient_an_active_episode_and_recent_checkins():
    patients = load_demo_accounts()

    created = load_demo_record(patients)

    assert Episode.objects.filter(status="active").count() == 4
    assert created == CheckIn.objects.count() == 21 * 4 - (0 + 2 + 3 + 3)
    assert {c.patient_id for c in CheckIn.objects.all()} == {p.id for p in patients}


def test_demo_run_twice_changes_nothing():
    patients = load_demo_accounts()
    load_demo_record(patients)
    before = list(CheckIn.objects.order_by("id").values())

    assert load_demo_record(patients) == 0
    assert list(CheckIn.objects.order_by("id").values()) == before
    assert Episode.objects.count() == 4


def test_load_demo_command_gives_the_demo_patients_their_record(capsys):
    call_command("load_demo")

    for email, *_ in DEMO_PATIENTS:
        assert Episode.objects.filter(patient__user__email=email, status="active").count() == 1
        assert CheckIn.objects.filter(patient__user__email=email).count() >= 18


def test_admin_shows_an_episode_with_its_checkins_read_only(admin_client):
    checkin = CheckInFactory()

    page = admin_client.get(f"/admin/episodes/episode/{checkin.episode_id}/change/")
    add = admin_client.get("/admin/episodes/episode/add/")
    checkin_page = admin_client.get(f"/admin/checkins/checkin/{checkin.id}/change/")

    assert page.status_code == 200
    assert b'name="checkins-TOTAL_FORMS" value="1"' in page.content
    assert b'name="checkins-0-pain_now"' not in page.content  # shown, not editable
    assert add.status_code == 403
    assert checkin_page.status_code == 200
    assert b'name="pain_now"' not in checkin_page.content
