"""The web dashboard (API.md: Dashboard): cohort, flag queue and patient pages for staff.

Session login; every page shows only the caller's patients (apps.accounts.selectors), reads
through the same selectors as the API and writes through the flags app's services. Plain
forms and links work without JavaScript; htmx (served from our static files) only swaps a flag
in place after an action.
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.selectors import access_patient
from apps.core.exceptions import DomainError
from apps.dashboard import charts
from apps.dashboard.api.serializers import PatientSummarySerializer
from apps.dashboard.course import expected_course, patient_course
from apps.dashboard.forms import CohortForm, FlagActionForm
from apps.dashboard.selectors import (
    DEFAULT_ORDERING,
    EPISODE_STATUSES,
    SEVERITIES,
    patient_summaries,
    summary_for_patient,
)
from apps.flags import services as flag_services
from apps.flags.models import FlagStatus
from apps.flags.selectors import access_flag, flags_visible_to

PAGE_SIZE = 50
LOGIN_URL = "dashboard:login"

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
QUEUE_TABS = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


def clinician_required(view):
    """Staff only: anonymous visitors go to the login page, anyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(LOGIN_URL))
        if not user.is_clinician:
            raise PermissionDenied("The dashboard is for clinic staff.")
        return view(request, *args, **kwargs)

    return wrapper


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
        user=request.user, ordering=ordering, filters=filters, search=search, status=status
    )
    page = Paginator(summaries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = PatientSummarySerializer(page.object_list, many=True).data
    params = {key: value for key, value in request.GET.items() if key != "page"}
    return render(
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


def _severity_rank() -> Case:
    return Case(
        *[When(severity=name, then=Value(index)) for index, name in enumerate(SEVERITIES)],
        output_field=IntegerField(),
    )


def _evidence_items(evidence: Any) -> list[tuple[str, str]]:
    """The evidence as label/value pairs a person can read (values as compact JSON)."""
    if not isinstance(evidence, dict):
        return [("evidence", json.dumps(evidence, default=str))]
    items = []
    for key, value in evidence.items():
        shown = value if isinstance(value, str | int | float) else json.dumps(value, default=str)
        items.append((str(key).replace("_", " "), str(shown)))
    return items


def _flag_context(flag, tab: str) -> dict[str, Any]:
    return {
        "flag": flag,
        "evidence": _evidence_items(flag.evidence),
        "tab": tab,
        "form": FlagActionForm(),
    }


@require_GET
@clinician_required
def flag_queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("status", FlagStatus.OPEN)
    if tab not in QUEUE_TABS:
        tab = FlagStatus.OPEN
    flags = (
        flags_visible_to(request.user)
        .filter(status=tab)
        .select_related("patient__user", "episode")
        .annotate(severity_rank=_severity_rank())
        # Most pressing first; within a severity, the one waiting longest.
        .order_by("severity_rank", "opened_at", "id")
    )
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/flags.html",
        {
            "page": page,
            "items": [_flag_context(flag, tab) for flag in page.object_list],
            "tab": tab,
            "tabs": QUEUE_TABS,
            "nav": "flags",
        },
    )


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dashboard:flags")


def _flag_action(request: HttpRequest, flag_id, *, action: str) -> HttpResponse:
    flag = access_flag(request.user, flag_id)
    form = FlagActionForm(request.POST)
    tab = request.POST.get("tab", FlagStatus.OPEN)
    error = None
    if not form.is_valid():
        error = "; ".join(message for messages_ in form.errors.values() for message in messages_)
    else:
        service = (
            flag_services.flag_acknowledge
            if action == "acknowledge"
            else flag_services.flag_resolve
        )
        try:
            flag = service(flag=flag, by=request.user, note=form.cleaned_data["note"])
        except DomainError as domain_error:
            error = domain_error.message
    done = "Acknowledged" if action == "acknowledge" else "Resolved"
    if request.htmx:
        flag = access_flag(request.user, flag.pk)
        if error is None and flag.status != tab:
            return render(
                request,
                "dashboard/_flag_done.html",
                {"flag": flag, "done": done, "tab": tab},
            )
        context = _flag_context(flag, tab) | {"error": error}
        return render(request, "dashboard/_flag.html", context, status=200 if not error else 400)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{done}: {flag.clinician_summary}")
    return redirect(_safe_next(request, form.data.get("next")))


@require_POST
@clinician_required
def flag_acknowledge(request: HttpRequest, flag_id) -> HttpResponse:
    return _flag_action(request, flag_id, action="acknowledge")


@require_POST
@clinician_required
def flag_resolve(request: HttpRequest, flag_id) -> HttpResponse:
    return _flag_action(request, flag_id, action="resolve")


def _course_charts(course, expected) -> list[charts.Chart]:
    if course.episode is None:
        return []
    scale = charts.TimeScale(course.date_from, course.date_to)
    # Per local date from the course read model (apps.dashboard.course_by_date).
    markers = [
        {"date": day.date, "rule": flag.rule, "severity": flag.severity}
        for day in course.days
        for flag in day.flags_opened
    ]
    by_date = {day.date: day.checkin for day in course.days if day.checkin is not None}
    return [
        charts.pain_chart(
            scale,
            pain_now={day: checkin.pain_now for day, checkin in by_date.items()},
            pain_worst={day: checkin.pain_worst_24h for day, checkin in by_date.items()},
            flags=markers,
            expected=expected.weeks if expected.is_available else None,
            onset=course.episode.symptom_onset_date,
        ),
        charts.measure_chart(
            scale,
            slug="stiffness",
            title="Morning stiffness (minutes)",
            values={day: checkin.morning_stiffness_minutes for day, checkin in by_date.items()},
            flags=markers,
            unit=" min",
            minimum_top=30,
        ),
        charts.adherence_chart(scale, weeks=course.adherence_weeks, flags=markers),
        charts.measure_chart(
            scale,
            slug="steps",
            title="Steps",
            values={
                day: checkin.steps for day, checkin in by_date.items() if checkin.steps is not None
            },
            flags=markers,
            minimum_top=1000,
        ),
    ]


@require_GET
@clinician_required
def patient_detail(request: HttpRequest, patient_id) -> HttpResponse:
    patient = access_patient(request.user, patient_id)
    summary = PatientSummarySerializer(summary_for_patient(patient)).data
    course = patient_course(patient=patient, episode_id=request.GET.get("episode"))
    expected = expected_course(clinic_id=patient.care_team.clinic_id)
    return render(
        request,
        "dashboard/patient.html",
        {
            "patient": patient,
            "summary": summary,
            "severities": SEVERITIES,
            "course": course,
            "expected": expected,
            "charts": _course_charts(course, expected),
            "flag_items": [_flag_context(flag, flag.status) for flag in course.flags],
            "nav": "cohort",
        },
    )
