"""Issue 16 "Done means", over HTTP: a physiotherapist records a TUG, hip ROM on both sides, a
zoledronic acid dose and an MRI; the timeline shows them on their dates; the dose's effect is
null with a reason before enough check-ins and numbers after; a worse TUG beyond its MDC opens
`assessment_declined`; toe-touch weight bearing with `full` on 3 of 7 days opens
`weight_bearing_beyond_prescription`; the other clinic gets 404; the timeline's queries do not
grow with the records."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.flags.models import Flag
from apps.flags.services import episode_evaluate
from tests.accounts.factories import CareTeamFactory, physio_in
from tests.checkins.factories import CheckInFactory
from tests.course.conftest import TODAY
from tests.course.factories import AssessmentFactory, ImagingStudyFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

DOSE_DAY = dt.date(2026, 10, 1)


def post(client, episode, what, body):
    response = client.post(f"/api/v1/episodes/{episode.id}/{what}/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def cid() -> str:
    return str(uuid.uuid4())


def test_the_course_is_recorded_and_shown_on_its_dates(physio_client, episode, patient):
    post(physio_client, episode, "imaging", {
        "client_id": cid(), "date": "2026-09-15", "modality": "mri", "side": "left",
        "findings": {"bone_marrow_edema": "severe", "fracture_line": False},
        "report": "Bone marrow oedema, left femoral head and neck.",
    })  # fmt: skip
    dose = post(physio_client, episode, "treatments", {
        "client_id": cid(), "kind": "bisphosphonate", "starts_on": DOSE_DAY.isoformat(),
        "detail": {"drug": "zoledronic_acid", "dose": "5 mg", "route": "iv"},
    })  # fmt: skip
    post(physio_client, episode, "assessments", {
        "client_id": cid(), "date": "2026-10-20", "test": "timed_up_and_go", "value": 11.0,
    })  # fmt: skip
    for side, value in (("left", 15), ("right", 35)):
        post(physio_client, episode, "assessments", {
            "client_id": cid(), "date": "2026-10-20", "test": "hip_rom", "side": side,
            "movement": "internal_rotation", "value": value, "method": "goniometer",
        })  # fmt: skip

    timeline = physio_client.get(
        f"/api/v1/patients/{patient.id}/timeline/", {"from": "2026-09-14", "to": "2026-10-21"}
    ).json()
    by_date = {entry["date"]: entry for entry in timeline["entries"]}

    assert [i["modality"] for i in by_date["2026-09-15"]["imaging"]] == ["mri"]
    assert by_date["2026-09-15"]["imaging"][0]["findings"]["bone_marrow_edema"] == "severe"
    assert [t["id"] for t in by_date["2026-10-01"]["treatments_in_force"]] == [dose["id"]]
    assert by_date["2026-10-02"]["treatments_in_force"] == []  # one dose, one day
    measured = {(a["test"], a["side"]) for a in by_date["2026-10-20"]["assessments"]}
    assert measured == {("timed_up_and_go", ""), ("hip_rom", "left"), ("hip_rom", "right")}
    assert by_date["2026-10-19"]["assessments"] == []

    # No check-ins yet: the effect says why it has no numbers.
    effect = physio_client.get(f"/api/v1/episodes/{episode.id}/treatments/").json()["results"][0]
    assert effect["effect"]["before"]["mean"] is None
    assert effect["effect"]["before"]["reason"].startswith("Check-ins on 0 of these 14 days")
    assert effect["effect"]["change"] is None
    assert effect["effect"]["days_to_low_pain"] is None

    # Pain before the dose (worst 7) and easing after it (days 15-28: worst 3, now 1).
    for offset in range(-14, 0):
        CheckInFactory(episode=episode, date=DOSE_DAY + dt.timedelta(days=offset),
                       pain_now=6, pain_worst_24h=7)  # fmt: skip
    for offset in range(10, 29):
        CheckInFactory(episode=episode, date=DOSE_DAY + dt.timedelta(days=offset),
                       pain_now=1, pain_worst_24h=3)  # fmt: skip
    effect = physio_client.get(f"/api/v1/episodes/{episode.id}/treatments/").json()["results"][0]
    assert effect["effect"]["before"]["mean"] == 7.0
    assert effect["effect"]["after"]["mean"] == 3.0
    assert effect["effect"]["change"] == -4.0
    # The window of days 7-13 has check-ins on 4 days (10-13), all low: it is the first.
    assert effect["effect"]["days_to_low_pain"] == 7


def test_a_worse_tug_beyond_its_mdc_opens_assessment_declined(physio_client, episode):
    post(physio_client, episode, "assessments", {
        "client_id": cid(), "date": "2026-10-20", "test": "timed_up_and_go", "value": 11.0,
    })  # fmt: skip
    episode_evaluate(episode_id=episode.id, dates=[dt.date(2026, 10, 20)])
    assert not Flag.objects.filter(rule="assessment_declined").exists()

    worse = post(physio_client, episode, "assessments", {
        "client_id": cid(), "date": "2026-11-24", "test": "timed_up_and_go", "value": 12.4,
    })  # fmt: skip
    assert (worse["change_from_previous"], worse["beyond_mdc"]) == (1.4, True)
    episode_evaluate(episode_id=episode.id, dates=[dt.date(2026, 11, 24), TODAY])

    flag = Flag.objects.get(rule="assessment_declined", episode=episode)
    assert (flag.severity, flag.status) == ("routine", "open")
    [evidence] = flag.evidence["declined"]
    assert (evidence["value"], evidence["previous_value"], evidence["mdc"]) == (12.4, 11.0, 1.1)
    assert "knee osteoarthritis" in evidence["mdc_source"]


def test_full_weight_bearing_on_3_of_7_days_of_toe_touch_opens_the_flag(physio_client, episode):
    post(physio_client, episode, "treatments", {
        "client_id": cid(), "kind": "protected_weight_bearing", "starts_on": "2026-11-20",
        "detail": {"level": "toe_touch", "aid": "crutches"},
    })  # fmt: skip
    for offset, bearing in [(0, "full"), (1, "partial"), (2, "full"), (3, "partial"), (5, "full")]:
        CheckInFactory(episode=episode, date=TODAY - dt.timedelta(days=offset),
                       weight_bearing=bearing, walking_aid="crutches")  # fmt: skip

    episode_evaluate(episode_id=episode.id, dates=[TODAY])

    flag = Flag.objects.get(rule="weight_bearing_beyond_prescription", episode=episode)
    assert flag.severity == "routine"
    assert flag.evidence["prescription"]["level"] == "toe_touch"
    assert len(flag.evidence["beyond_days"]) == 3


def test_the_other_clinic_gets_404(physio_client, episode, patient):
    outsider = APIClient()
    outsider.force_authenticate(physio_in(CareTeamFactory()))
    for what in ("assessments", "treatments", "imaging"):
        assert outsider.get(f"/api/v1/episodes/{episode.id}/{what}/").status_code == 404
    assert outsider.get(f"/api/v1/patients/{patient.id}/timeline/").status_code == 404


def _records(episode, count: int) -> None:
    for n in range(count):
        day = TODAY - dt.timedelta(days=n % 28)
        AssessmentFactory(episode=episode, date=day, value=10 + n % 5)
        TreatmentFactory(episode=episode, kind="nsaid", detail={}, starts_on=day, ends_on=day)
        ImagingStudyFactory(episode=episode, date=day)


def _timeline_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/patients/{patient.id}/timeline/")
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_timeline_queries_are_the_same_for_5_and_50_records(physio_client, episode, patient):
    _records(episode, 5)
    small = _timeline_queries(physio_client, patient)
    _records(episode, 45)
    assert _timeline_queries(physio_client, patient) == small


def test_treatment_list_queries_are_the_same_for_5_and_50(physio_client, episode):
    url = f"/api/v1/episodes/{episode.id}/treatments/"
    _records(episode, 5)
    with CaptureQueriesContext(connection) as small:
        physio_client.get(url)
    _records(episode, 45)
    with CaptureQueriesContext(connection) as large:
        physio_client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
