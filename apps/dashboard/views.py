"""The web dashboard (API.md: Dashboard): the cohort and patient pages for staff (the today
view is `views_today`, the flag queue and actions `views_flags`).

Session login; every page shows only the caller's patients (apps.accounts.selectors), reads
through the same selectors as the API and writes through the flags app's services. Plain
forms and links work without JavaScript; htmx (served from our static files) only swaps a flag
in place after an action.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.accounts.permissions import signed_in_user
from apps.accounts.selectors import access_patient
from apps.dashboard.api.serializers import PatientSummarySerializer, SummarySerializer
from apps.dashboard.charts import Chart
from apps.dashboard.course import Course, ExpectedCourse, expected_course, patient_course
from apps.dashboard.course_forms import course_context
from apps.dashboard.forms import CohortForm
from apps.dashboard.patient_charts import course_charts
from apps.dashboard.record_layers import record_layers
from apps.dashboard.row_scores import with_latest_scores
from apps.dashboard.score_charts import score_charts
from apps.dashboard.selectors import (
    DEFAULT_ORDERING,
    EPISODE_STATUSES,
    SEVERITIES,
    patient_summaries,
    summary_for_patient,
)
from apps.dashboard.views_flags import flag_context
from apps.dashboard.web import PAGE_SIZE, clinician_required, render_page
from apps.flags.models import LIVE_STATUSES, Flag
from apps.outcomes.selectors import score_series

#: The cohort's columns: (ordering key, heading, the ordering of the first click). Every
#: column sorts worst-first on the first click: most flags, longest since onset, most pain,
#: lowest adherence, longest silence, oldest check-in, bilateral first, active first.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "Patient", "name"),
    ("status", "Status", "status"),
    ("affected_side", "Side", "-affected_side"),
    ("open_flags", "Open flags", "open_flags"),
    ("weeks_since_onset", "Weeks since onset", "-weeks_since_onset"),
    ("pain_now_latest", "Latest pain", "-pain_now_latest"),
    ("pain_7d_mean", "Pain, 7-day mean", "-pain_7d_mean"),
    ("pain_7d_change", "Change vs previous 7 days", "-pain_7d_change"),
    ("adherence_7d", "Adherence, 7 days", "adherence_7d"),
    ("days_since_last_checkin", "Days since check-in", "-days_since_last_checkin"),
    ("last_checkin_date", "Last check-in", "last_checkin_date"),
)
#: Orderings whose unprefixed form sorts descending (most open flags first).
_DESCENDING_UNPREFIXED = frozenset({"open_flags"})


def _sort_columns(request: HttpRequest, ordering: str) -> list[dict[str, Any]]:
    """Headings with the link that sorts by them (worst first; again: reversed) and their
    aria-sort."""
    params = {key: value for key, value in request.GET.items() if key not in {"ordering", "page"}}
    columns = []
    for key, label, first_click in COLUMNS:
        if ordering in (key, f"-{key}"):
            descending = ordering.startswith("-") != (key in _DESCENDING_UNPREFIXED)
            state = "descending" if descending else "ascending"
            target = key if ordering.startswith("-") else f"-{key}"
        else:
            state, target = "none", first_click
        columns.append(
            {
                "key": key,
                "label": label,
                "aria_sort": state,
                "url": "?" + urlencode({**params, "ordering": target}),
            }
        )
    return columns


@require_GET
@clinician_required
def cohort(request: HttpRequest) -> HttpResponse:
    form = CohortForm(request.GET)
    if form.is_valid():
        ordering = form.cleaned_data["ordering"] or DEFAULT_ORDERING
        filters, search = form.filters(), form.cleaned_data["q"]
        status = form.episode_status()
    else:
        ordering, filters, search, status = DEFAULT_ORDERING, None, None, "active"
    summaries = patient_summaries(
        user=signed_in_user(request),
        ordering=ordering,
        filters=filters,
        search=search,
        status=status,
        row_fields_only=True,  # PatientSummarySerializer reads no other field
    )
    page = Paginator(summaries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = PatientSummarySerializer(with_latest_scores(list(page.object_list)), many=True).data
    params = {key: value for key, value in request.GET.items() if key != "page"}
    return render_page(
        request,
        "dashboard/cohort.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "ordering": ordering,
            "columns": _sort_columns(request, ordering),
            "severities": SEVERITIES,
            "page_query": urlencode(params),
            "status": status,
            "statuses": [
                (name, "?" + urlencode({**params, "status": name})) for name in EPISODE_STATUSES
            ],
            "nav": "cohort",
        },
    )


_SEVERITY_INDEX = {severity: index for index, severity in enumerate(SEVERITIES)}


def _flags_in_order(flags: list[Flag]) -> list[Flag]:
    """Live flags first, most severe then longest open; then the rest, latest first."""
    live = sorted(
        (flag for flag in flags if flag.status in LIVE_STATUSES),
        key=lambda flag: (_SEVERITY_INDEX.get(flag.severity, 99), flag.opened_at),
    )
    done = sorted(
        (flag for flag in flags if flag.status not in LIVE_STATUSES),
        key=lambda flag: flag.resolved_at or flag.opened_at,
        reverse=True,
    )
    return [*live, *done]


def _record_charts(
    course: Course, expected: ExpectedCourse
) -> tuple[dict[str, Any], list[Chart], list[Chart]]:
    """The clinical-course section (read once: its tables, and the charts' treatment,
    imaging and assessment layers), the course charts with the record apps' layers, and one
    chart per questionnaire score (one query: ``score_series``)."""
    episode = course.episode
    if episode is None or course.date_to is None:
        return {}, course_charts(course, expected), []
    section = course_context(episode)
    series = score_series(episode.pk)
    layers = record_layers(
        chart_end=course.date_to,
        treatment_bands=section["chart_bands"],
        treatment_markers=section["chart_markers"],
        assessments=section["assessments"],
        scores=series,
    )
    charts = course_charts(course, expected, extra_markers=layers.markers, extra_bands=layers.bands)
    scores = score_charts(
        series,
        start=course.date_from,
        end=course.date_to,
        markers=layers.treatment_markers,
        bands=layers.bands,
    )
    return section, charts, scores


@require_GET
@clinician_required
def patient_detail(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = access_patient(signed_in_user(request), patient_id)
    summary = SummarySerializer(summary_for_patient(patient)).data
    course = patient_course(patient=patient, episode_id=request.GET.get("episode"))
    expected = expected_course(clinic_id=patient.care_team.clinic_id)
    section, charts, scores = _record_charts(course, expected)
    flags = _flags_in_order(list(course.flags))
    live = [flag for flag in flags if flag.status in LIVE_STATUSES]
    return render_page(
        request,
        "dashboard/patient.html",
        {
            "patient": patient,
            "summary": summary,
            "severities": SEVERITIES,
            "course": course,
            "expected": expected,
            "charts": charts,
            "score_charts": scores,
            "course_section": section,
            "live_flags": live,
            "flag_items": [flag_context(flag, flag.status) for flag in flags],
            "nav": "cohort",
        },
    )
