"""The today view, the flag queue's filters and tabs, reopen and the patient page's header
(issue 18), without a browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.dashboard.evidence import evidence_rows
from apps.dashboard.models import DashboardVisit
from apps.dashboard.templatetags.dashboard import waited
from apps.dashboard.visits import VISIT_GAP, visit_today_view
from apps.flags.models import Flag
from tests.dashboard.conftest import NOW, days_ago, patient_with_course
from tests.dashboard.factories import FlagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def physio_web(physio) -> Client:
    client = Client()
    client.force_login(physio)
    return client


def _flag_ids(html: str, container: str) -> list[str]:
    start = html.index(f'id="{container}"')
    end = html.index("</section>", start)
    return re.findall(r'data-flag="([0-9a-f-]+)"', html[start:end])


def test_waiting_reads_in_the_unit_that_matters():
    assert waited(NOW - dt.timedelta(minutes=25), NOW) == "25 min"
    assert waited(NOW - dt.timedelta(hours=3, minutes=5), NOW) == "3 h"
    assert waited(NOW - dt.timedelta(days=2, hours=4), NOW) == "2 d 4 h"
    assert waited(NOW - dt.timedelta(days=9, hours=4), NOW) == "9 d"


def test_evidence_reads_as_rows_with_the_thresholds_last():
    rows = evidence_rows(
        {
            "thresholds": {"sudden_severe_pain_min": 8},
            "pain_worst_24h": 9,
            "date": "2026-03-10",
            "reason": "Worst pain 9, baseline 4",
            "baseline_values": {"2026-03-08": 4, "2026-03-09": 4},
        }
    )

    assert [(row.label, row.value, row.is_threshold) for row in rows] == [
        ("Reason", "Worst pain 9, baseline 4", False),
        ("Date", "10 Mar 2026", False),
        ("Pain worst 24h", "9", False),
        ("Baseline values", "8 Mar 2026: 4; 9 Mar 2026: 4", False),
        ("Sudden severe pain min", "8", True),
    ]


def test_the_today_view_lists_emergency_first_with_waiting_and_escalation(
    physio_web, care_team, frozen_now
):
    patient = patient_with_course(care_team, pain_last_7=[3], user__last_name="Flagged")
    episode = patient.episodes.get()
    urgent = FlagFactory(
        episode=episode,
        severity="urgent",
        rule="sudden_severe_pain",
        opened_at=NOW - dt.timedelta(hours=5),
    )
    emergency = FlagFactory(
        episode=episode,
        severity="emergency",
        rule="fall_or_injury",
        opened_at=NOW - dt.timedelta(hours=3),
        escalated_at=NOW - dt.timedelta(hours=2),
    )
    FlagFactory(episode=episode, severity="soon", rule="pain_worsening")

    html = physio_web.get("/dashboard/").content.decode()

    assert _flag_ids(html, "today-immediate") == [str(emergency.pk), str(urgent.pk)]
    assert "waiting 3 h" in html
    assert "escalated" in html
    assert "Fall or injury" in html  # the rule's human name, not its code
    assert f'href="/dashboard/patients/{patient.pk}/#flag-{emergency.pk}"' in html


def test_new_flags_are_those_since_the_previous_visit(physio, care_team, frozen_now):
    first = visit_today_view(user=physio, now=NOW)
    same_visit = visit_today_view(user=physio, now=NOW + dt.timedelta(minutes=10))
    later = NOW + dt.timedelta(minutes=10) + VISIT_GAP + dt.timedelta(minutes=1)
    next_visit = visit_today_view(user=physio, now=later)

    assert first == same_visit == NOW - dt.timedelta(days=1)
    assert next_visit == NOW + dt.timedelta(minutes=10)
    assert DashboardVisit.objects.get(user=physio).last_seen_at == later


def test_silent_patients_are_active_ones_split_at_7_days(physio_web, care_team, frozen_now):
    patient_with_course(care_team, pain_last_7=[None, None, None, None, 3], user__last_name="Four")
    patient_with_course(care_team, pain_previous_7=[None, None, 3], user__last_name="Nine")
    gone = patient_with_course(care_team, pain_previous_7=[3], user__last_name="Gone")
    episode = gone.episodes.get()
    episode.status, episode.resolved_on = "resolved", days_ago(10)
    episode.save()

    html = physio_web.get("/dashboard/").content.decode()
    long_list = html[html.index('id="today-silent-long"') : html.index('id="today-silent-short"')]
    short_list = html[html.index('id="today-silent-short"') :]

    assert "Nine," in long_list
    assert "Four," in short_list.split("</ul>")[0]
    assert "Gone," not in html


def test_questionnaire_worsening_has_its_own_slot(physio_web, care_team, frozen_now):
    episode = patient_with_course(care_team).episodes.get()
    flag = FlagFactory(episode=episode, severity="soon", rule="outcome_worsened")

    html = physio_web.get("/dashboard/").content.decode()

    assert _flag_ids(html, "today-outcome-worsened") == [str(flag.pk)]
    assert "Questionnaire score worse" in html


def test_the_queue_filters_by_severity_rule_patient_and_waiting(physio_web, care_team, frozen_now):
    one = patient_with_course(care_team, user__last_name="One").episodes.get()
    two = patient_with_course(care_team, user__last_name="Two").episodes.get()
    old = FlagFactory(
        episode=one, severity="urgent", rule="infection_signs", opened_at=NOW - dt.timedelta(days=2)
    )
    new = FlagFactory(episode=two, severity="soon", rule="pain_worsening", opened_at=NOW)

    def ids(**query) -> list[str]:
        html = physio_web.get("/dashboard/flags/", query).content.decode()
        return re.findall(r'<article class="flag[^"]*" id="flag-([0-9a-f-]+)"', html)

    assert ids(severity="urgent") == [str(old.pk)]
    assert ids(rule="pain_worsening") == [str(new.pk)]
    assert ids(patient=str(two.patient_id)) == [str(new.pk)]
    assert ids(waiting="24") == [str(old.pk)]
    grouped = physio_web.get("/dashboard/flags/", {"group": "on"}).content.decode()
    assert grouped.count('class="flag-group"') == 2


def test_resolved_tab_lists_resolved_flags_and_reopen_brings_one_back(
    physio_web, physio, care_team, frozen_now
):
    episode = patient_with_course(care_team, user__last_name="Back").episodes.get()
    flag = FlagFactory(episode=episode, severity="urgent", rule="infection_signs")

    refused = physio_web.post(
        f"/dashboard/flags/{flag.pk}/resolve/", {"outcome": "referred", "note": ""}, follow=True
    )
    assert "a note is required" in refused.content.decode()
    resolved = physio_web.post(
        f"/dashboard/flags/{flag.pk}/resolve/",
        {"outcome": "referred", "note": "Sent to the GP."},
        follow=True,
    )
    assert "Resolved: Back," in resolved.content.decode()  # the message names the patient
    tab = physio_web.get("/dashboard/flags/?status=resolved").content.decode()
    assert f'id="flag-{flag.pk}"' in tab
    assert "Referred" in tab
    physio_web.post(f"/dashboard/flags/{flag.pk}/reopen/", {"note": "Not seen after all."})

    flag.refresh_from_db()
    assert (flag.status, flag.reopened_by, flag.note) == (
        "acknowledged",
        physio,
        "Not seen after all.",
    )


def test_an_htmx_action_says_which_patient_and_resends_the_counts(physio_web, care_team):
    episode = patient_with_course(care_team, user__last_name="Named").episodes.get()
    flag = FlagFactory(episode=episode, severity="soon", rule="pain_worsening")

    response = physio_web.post(
        f"/dashboard/flags/{flag.pk}/acknowledge/",
        {"note": "", "tab": "open"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()

    assert "Acknowledged: Named," in html
    assert "Pain getting worse" in html
    assert 'id="header-counts" hx-swap-oob="true"' in html
    assert "0 open" in html  # the acknowledged flag is no longer open
    assert "data-focus-after-swap" in html


def test_the_patient_page_heads_with_open_flags_emergency_first(physio_web, care_team, frozen_now):
    episode = patient_with_course(care_team, pain_last_7=[3]).episodes.get()
    FlagFactory(episode=episode, severity="soon", rule="pain_worsening", opened_at=NOW)
    emergency = FlagFactory(
        episode=episode,
        severity="emergency",
        rule="fall_or_injury",
        opened_at=NOW - dt.timedelta(hours=4),
    )
    FlagFactory(episode=episode, severity="urgent", rule="infection_signs", status="resolved")

    html = physio_web.get(f"/dashboard/patients/{episode.patient_id}/").content.decode()
    header = html[
        html.index('id="open-flags"') : html.index("</header>", html.index('id="open-flags"'))
    ]

    assert re.findall(r'data-severity="(\w+)"', header) == ["emergency", "soon"]
    assert "Emergency open since" in header
    flags = re.findall(r'<article class="flag severity-(\w+)"[^>]*data-status="(\w+)"', html)
    assert flags == [("emergency", "open"), ("soon", "open"), ("urgent", "resolved")]
    assert f'id="flag-{emergency.pk}"' in html
    assert '<details class="evidence-json">' in html


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/flags/", "/dashboard/flags/?group=on"])
def test_today_and_queue_render_with_the_same_queries_for_5_and_50_patients(
    physio_web, care_team, frozen_now, django_assert_num_queries, url
):
    def build(count: int) -> None:
        for index in range(count):
            patient_with_course(
                care_team,
                pain_last_7=[None, None, None, 3] if index % 2 else [3],
                flags=("urgent", "soon", "emergency"),
            )

    build(5)
    physio_web.get(url)  # the first visit records itself: compare later visits
    with CaptureQueriesContext(connection) as small:
        assert physio_web.get(url).status_code == 200
    build(45)
    with django_assert_num_queries(len(small.captured_queries)):
        assert physio_web.get(url).status_code == 200
    assert Flag.objects.count() == 150
