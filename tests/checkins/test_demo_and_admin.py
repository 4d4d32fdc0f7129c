from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from apps.accounts.admin import CLINIC_ADMIN_GROUP
from apps.checkins.models import CheckIn
from apps.consent.models import ConsentAcceptance
from apps.consent.selectors import ConsentState, consent_of, current_document
from apps.devtools.demo.accounts import (
    DEMO_CLINIC,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_PATIENTS,
    load_demo_accounts,
)
from apps.devtools.demo.record import load_demo_record
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


# --- A consistent demo ------------------------------------------------------------------------


def _load_demo_at(instant: dt.datetime):
    with time_machine.travel(instant, tick=False):
        patients = load_demo_accounts()
        load_demo_record(patients)
    return patients


AFTER_PUBLICATION = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # consent v1: 2026-11-01


@time_machine.travel(AFTER_PUBLICATION, tick=False)
def test_demo_patients_accepted_the_current_consent_before_their_first_checkin():
    patients = _load_demo_at(AFTER_PUBLICATION)

    for patient in patients:
        patient.refresh_from_db()
        consent = consent_of(patient)
        first = CheckIn.objects.filter(patient=patient).order_by("recorded_at").first()
        assert consent.state == ConsentState.ACCEPTED
        assert consent.document == current_document()
        assert ConsentAcceptance.objects.filter(patient=patient).count() == 1
        # As enrolment records it: accepted when the account was activated.
        assert patient.activated_at == consent.accepted_at
        assert patient.enrolled_at <= patient.activated_at <= first.recorded_at
        assert consent.document.published_at <= consent.accepted_at


def test_demo_run_again_keeps_the_consent_as_it_was():
    patients = _load_demo_at(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    before = list(ConsentAcceptance.objects.order_by("id").values())

    _load_demo_at(dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC))

    assert list(ConsentAcceptance.objects.order_by("id").values()) == before
    assert all(consent_of(p).state == ConsentState.ACCEPTED for p in patients)


@pytest.mark.parametrize(
    "instant",
    [
        # Before 20:30 London: today's check-in cannot have been recorded at 20:30 yet.
        dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 1, 20, 29, tzinfo=dt.UTC),
        # Just after local midnight: today has just begun.
        dt.datetime(2026, 12, 2, 0, 1, tzinfo=dt.UTC),
        # Summer time (London is UTC+1): 20:30 local is 19:30 UTC.
        dt.datetime(2027, 6, 15, 19, 45, tzinfo=dt.UTC),
    ],
)
def test_no_demo_checkin_is_recorded_in_the_future_or_before_its_date(instant):
    _load_demo_at(instant)

    rows = list(CheckIn.objects.select_related("patient"))
    assert rows
    for checkin in rows:
        local = checkin.recorded_at.astimezone(ZoneInfo(checkin.patient.timezone))
        assert checkin.recorded_at <= instant, checkin.date
        assert local.date() >= checkin.date, (checkin.date, local)


def test_without_a_published_consent_document_the_demo_records_no_acceptance():
    """As enrolment: no document in force (the fixed clock is before 2026-11-01), no
    acceptance to record."""
    assert current_document() is None

    load_demo_accounts()

    assert not ConsentAcceptance.objects.exists()


def test_demo_clinic_admin_is_staff_of_the_demo_clinic_not_a_superuser(client):
    from apps.accounts.models import User

    # An older demo database made the clinic admin a superuser: loading again undoes it.
    User.objects.create_superuser(DEMO_LOGINS[1][1], DEMO_PASSWORD, first_name="Priya")
    patients = load_demo_accounts()
    load_demo_record(patients)
    elsewhere = CheckInFactory()
    clinic_admin = User.objects.get(email=DEMO_LOGINS[1][1])

    assert (clinic_admin.is_staff, clinic_admin.is_superuser) == (True, False)
    assert clinic_admin.role == "clinic_admin"
    assert clinic_admin.clinic.name == DEMO_CLINIC
    assert list(clinic_admin.groups.values_list("name", flat=True)) == [CLINIC_ADMIN_GROUP]
    assert clinic_admin.check_password(DEMO_PASSWORD)
    client.force_login(clinic_admin)
    patients_page = client.get("/admin/accounts/patient/")
    checkins_page = client.get("/admin/checkins/checkin/")
    flags_page = client.get("/admin/flags/flag/")
    other = client.get(f"/admin/checkins/checkin/{elsewhere.pk}/change/")

    assert patients_page.status_code == checkins_page.status_code == flags_page.status_code == 200
    shown = {p.pk for p in patients_page.context["cl"].queryset}
    assert shown == {p.pk for p in patients}
    assert elsewhere.patient_id not in {c.patient_id for c in checkins_page.context["cl"].queryset}
    assert (
        checkins_page.context["cl"].result_count == CheckIn.objects.exclude(pk=elsewhere.pk).count()
    )
    assert other.status_code == 302
