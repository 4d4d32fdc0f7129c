"""The web dashboard's pages, forms and access rules (without a browser)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.flags.models import Flag
from tests.accounts.factories import DEFAULT_PASSWORD, CareTeamFactory, PatientFactory
from tests.dashboard.conftest import patient_with_course
from tests.dashboard.factories import CheckInFactory, EpisodeFactory, FlagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def physio_web(physio) -> Client:
    client = Client()
    client.force_login(physio)
    return client


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/dashboard/flags/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/?next=/dashboard/flags/"


def test_a_physio_logs_in_with_email_and_password_and_lands_on_the_today_view(client, physio):
    response = client.post(
        "/dashboard/login/", {"username": physio.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_patients_may_not_use_the_dashboard(client, patient):
    client.force_login(patient.user)

    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/flags/").status_code == 403


def test_the_cohort_lists_only_own_patients_with_the_api_numbers(
    physio_web, physio_client, care_team, frozen_now
):
    patient_with_course(
        care_team, pain_last_7=[3, 4, 5], pain_previous_7=[6], user__last_name="Mine"
    )
    patient_with_course(CareTeamFactory(), user__last_name="Stranger")

    html = physio_web.get("/dashboard/patients/").content.decode()
    api = physio_client.get("/api/v1/dashboard/patients/").json()["results"][0]

    assert "Mine," in html
    assert "Stranger" not in html
    assert f'<td data-column="pain_7d_mean">{api["pain_7d_mean"]}</td>' in html
    assert api["pain_7d_mean"] == 4.0
    assert ">-2.0<" in html  # pain_7d_change, shown as the API gives it


def test_sort_links_toggle_and_announce_the_sort(physio_web, care_team, frozen_now):
    patient_with_course(care_team, pain_last_7=[2], user__last_name="Low")
    patient_with_course(care_team, pain_last_7=[8], user__last_name="High")

    html = physio_web.get("/dashboard/patients/?ordering=-pain_7d_mean").content.decode()

    assert re.search(r'aria-sort="descending" data-column="pain_7d_mean"', html)
    assert 'href="?ordering=pain_7d_mean"' in html
    assert html.index("High,") < html.index("Low,")


def test_cohort_filters_and_search_come_from_the_form(physio_web, care_team, frozen_now):
    patient_with_course(care_team, pain_last_7=[3], flags=("urgent",), user__last_name="Urgent")
    patient_with_course(care_team, pain_last_7=[None, None, None, 3], user__last_name="Silent")
    patient_with_course(care_team, pain_last_7=[3], sessions_last_7=1, user__last_name="Lazenbury")

    urgent = physio_web.get("/dashboard/patients/", {"has_urgent_flags": "on"}).content.decode()
    silent = physio_web.get("/dashboard/patients/", {"silent": "on"}).content.decode()
    low = physio_web.get("/dashboard/patients/", {"low_adherence": "on"}).content.decode()
    found = physio_web.get("/dashboard/patients/", {"q": "lazenb"}).content.decode()

    assert ("Urgent," in urgent, "Silent," in urgent, "Lazenbury," in urgent) == (
        True,
        False,
        False,
    )
    assert ("Urgent," in silent, "Silent," in silent, "Lazenbury," in silent) == (
        False,
        True,
        False,
    )
    assert ("Urgent," in low, "Silent," in low, "Lazenbury," in low) == (False, False, True)
    assert ("Urgent," in found, "Lazenbury," in found) == (False, True)


def test_the_flag_queue_shows_open_flags_by_severity_then_age(physio_web, care_team, frozen_now):
    patient = patient_with_course(care_team)
    episode = patient.episodes.get()
    now = frozen_now
    older_soon = FlagFactory(
        episode=episode, severity="soon", rule="a", opened_at=now - dt.timedelta(days=3)
    )
    newer_soon = FlagFactory(episode=episode, severity="soon", rule="b", opened_at=now)
    urgent = FlagFactory(episode=episode, severity="urgent", rule="c", opened_at=now)
    acknowledged = FlagFactory(
        episode=episode, severity="emergency", rule="d", status="acknowledged"
    )
    FlagFactory(episode=EpisodeFactory(patient=PatientFactory()), rule="e", severity="emergency")

    html = physio_web.get("/dashboard/flags/").content.decode()

    found = re.findall(r'<article class="flag[^"]*" id="flag-([0-9a-f-]+)"', html)
    assert found == [str(urgent.pk), str(older_soon.pk), str(newer_soon.pk)]
    assert "7-day mean worst pain 6.1, up from 3.7" in html
    assert "Mean last 7" in html  # the evidence, labelled
    acknowledged_html = physio_web.get("/dashboard/flags/?status=acknowledged").content.decode()
    assert f'id="flag-{acknowledged.pk}"' in acknowledged_html


def test_acknowledging_from_the_web_uses_the_flag_service_and_keeps_the_note(
    physio_web, physio, care_team
):
    flag = FlagFactory(episode=patient_with_course(care_team).episodes.get())

    response = physio_web.post(
        f"/dashboard/flags/{flag.pk}/acknowledge/",
        {"note": "Called the patient.", "next": "/dashboard/flags/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/flags/"
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by, flag.note) == (
        "acknowledged",
        physio,
        "Called the patient.",
    )


def test_an_htmx_acknowledgement_replaces_the_flag_with_a_confirmation(physio_web, care_team):
    flag = FlagFactory(episode=patient_with_course(care_team).episodes.get())

    response = physio_web.post(
        f"/dashboard/flags/{flag.pk}/acknowledge/",
        {"note": "", "tab": "open"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert 'role="status"' in response.content.decode()
    assert "Acknowledged" in response.content.decode()


def test_resolving_twice_reports_the_conflict_and_changes_nothing(physio_web, care_team):
    flag = FlagFactory(episode=patient_with_course(care_team).episodes.get())
    physio_web.post(f"/dashboard/flags/{flag.pk}/resolve/", {"note": "Settled."})
    resolved_at = Flag.objects.get(pk=flag.pk).resolved_at

    response = physio_web.post(
        f"/dashboard/flags/{flag.pk}/resolve/", {"note": "Again"}, follow=True
    )

    flag.refresh_from_db()
    assert "already resolved" in response.content.decode()
    assert (flag.status, flag.note, flag.resolved_at) == ("resolved", "Settled.", resolved_at)


def test_another_teams_flag_is_not_found_and_not_changed(physio_web):
    flag = FlagFactory()

    response = physio_web.post(f"/dashboard/flags/{flag.pk}/acknowledge/", {"note": "x"})

    assert response.status_code == 404
    flag.refresh_from_db()
    assert (flag.status, flag.note) == ("open", "")


def test_flag_actions_need_post_and_csrf(physio):
    flag = FlagFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(physio)

    assert strict.get(f"/dashboard/flags/{flag.pk}/acknowledge/").status_code == 405
    assert strict.post(f"/dashboard/flags/{flag.pk}/acknowledge/").status_code == 403


def test_the_patient_page_draws_every_checkin_and_flag(physio_web, care_team, frozen_now):
    patient = patient_with_course(
        care_team, pain_last_7=[3, 4, 5], pain_previous_7=[6, 6], sessions_last_7=2
    )
    episode = patient.episodes.get()
    FlagFactory(episode=episode, severity="urgent", opened_for_date=dt.date(2026, 3, 9))
    CheckInFactory(episode=episode, date=dt.date(2026, 2, 1), notes="Walked to the shop.")

    html = physio_web.get(f"/dashboard/patients/{patient.pk}/").content.decode()

    pain = html[html.index('id="chart-pain"') : html.index('id="chart-stiffness"')]
    assert pain.count('<circle class="point"') == 12  # 6 check-ins x (now, worst)
    assert "Pain now on 2026-03-10: 3" in pain
    assert pain.count('class="flag-marker severity-urgent"') == 1
    assert "Walked to the shop." in html
    assert "Expected course hidden" in html
    assert 'role="img"' in html


def test_another_teams_patient_page_is_not_found(physio_web):
    stranger = PatientFactory()

    assert physio_web.get(f"/dashboard/patients/{stranger.pk}/").status_code == 404


def test_pages_carry_a_self_only_csp_and_no_inline_script_or_style(
    physio_web, care_team, frozen_now
):
    patient = patient_with_course(care_team, pain_last_7=[3], flags=("soon",))

    for url in (
        "/dashboard/",
        "/dashboard/patients/",
        "/dashboard/flags/",
        f"/dashboard/patients/{patient.pk}/",
    ):
        response = physio_web.get(url)
        html = response.content.decode()
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "style-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "<style" not in html
        assert " style=" not in html
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert "http://" not in html.replace("http://www.w3.org", "")
        assert "https://" not in html


@pytest.mark.parametrize("page_name", ["cohort", "patient"])
def test_five_and_fifty_patients_render_with_the_same_queries(
    physio_web, care_team, frozen_now, django_assert_num_queries, page_name
):
    def build(count: int) -> None:
        for _ in range(count):
            patient_with_course(
                care_team,
                pain_last_7=[3, 5],
                pain_previous_7=[4],
                sessions_last_7=2,
                flags=("urgent", "soon"),
            )

    build(5)
    first = care_team.patients.order_by("enrolled_at").first()
    url = (
        "/dashboard/patients/?ordering=-adherence_7d"
        if page_name == "cohort"
        else f"/dashboard/patients/{first.pk}/"
    )
    with CaptureQueriesContext(connection) as small:
        assert physio_web.get(url).status_code == 200
    # Session, user, a handful of bulk reads and the access log's INSERT; nothing per row.
    # The cohort: + 1 for the rows' latest scores (apps.dashboard.row_scores).
    # The patient page: 20, and 3 for its clinical-course section (assessments, treatments,
    # imaging: apps.dashboard.course_forms, read once for the section and the charts' layers;
    # a fourth, the pain course, only with treatments), + 1 for the score series
    # (apps.outcomes.selectors.score_series: the score charts and their markers).
    assert len(small.captured_queries) <= (13 if page_name == "cohort" else 24)
    build(45)
    with django_assert_num_queries(len(small.captured_queries)):
        response = physio_web.get(url)
    assert response.status_code == 200
    if page_name == "cohort":
        assert response.content.decode().count("<tr data-patient=") == 50
