"""The web dashboard (API.md: Dashboard): cohort, flag queue and patient pages for staff.

Session login; every page shows only the caller's patients (apps.accounts.selectors), reads
through the same selectors as the API and writes through the flags app's services. Plain
forms and links work without JavaScript; htmx (served from our static files) only swaps a flag
in place after an action.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from apps.accounts.permissions import signed_in_user
from apps.accounts.selectors import access_patient
from apps.core.exceptions import DomainError
from apps.dashboard import charts
from apps.dashboard.api.serializers import PatientSummarySerializer
from apps.dashboard.course import expected_course, patient_course
from apps.dashboard.forms import CohortForm, FlagActionForm
from apps.dashboard.selectors import (
    DEFAULT_ORDERING,
    SEVERITIES,
    patient_summaries,
    summary_for_patient,
)
from apps.flags import services as flag_services
from apps.flags.models import FlagStatus, severity_rank_expression
from apps.flags.selectors import access_flag, flags_visible_to

PAGE_SIZE = 50
LOGIN_URL = "dashboard:login"

#: The cohort's columns: (ordering key, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Patient"),
    ("open_flags", "Open flags"),
    ("weeks_since_onset", "Weeks since onset"),
    ("pain_now_latest", "Latest pain"),
    ("pain_7d_mean", "Pain, 7-day mean"),
    ("pain_7d_change", "Change vs previous 7 days"),
    ("adherence_7d", "Adherence, 7 days"),
    ("days_since_last_checkin", "Days since check-in"),
    ("last_checkin_date", "Last check-in"),
)
QUEUE_TABS = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


def clinician_required[R: HttpRequest, **P](
    view: Callable[Concatenate[R, P], HttpResponse],
) -> Callable[Concatenate[R, P], HttpResponse]:
    """Staff only: anonymous visitors go to the login page, anyone else gets 403."""

    @wraps(view)
    def wrapper(request: R, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(LOGIN_URL))
        if not user.is_clinician:
            raise PermissionDenied("The dashboard is for clinic staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _sort_columns(request: HttpRequest, ordering: str) -> list[dict[str, Any]]:
    """Headings with the link that sorts by them (again: reversed) and their aria-sort."""
    params = {key: value for key, value in request.GET.items() if key not in {"ordering", "page"}}
    columns = []
    for key, label in COLUMNS:
        if ordering == key:
            state, target = "ascending", f"-{key}"
        elif ordering == f"-{key}":
            state, target = "descending", key
        else:
            # Most columns are most useful worst-first on the first click.
            state, target = "none", key if key in {"name", "last_checkin_date"} else f"-{key}"
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
    else:
        ordering, filters, search = DEFAULT_ORDERING, None, None
    summaries = patient_summaries(
        user=signed_in_user(request), ordering=ordering, filters=filters, search=search
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
            "nav": "cohort",
        },
    )


def _evidence_items(evidence: object) -> list[tuple[str, str]]:
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
        flags_visible_to(signed_in_user(request))
        .filter(status=tab)
        .select_related("patient__user", "episode")
        .annotate(severity_rank=severity_rank_expression())
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


class HtmxHttpRequest(HttpRequest):
    """A request through django-htmx's middleware (``request.htmx``)."""

    htmx: HtmxDetails


def _flag_action(request: HtmxHttpRequest, flag_id: uuid.UUID, *, action: str) -> HttpResponse:
    flag = access_flag(signed_in_user(request), flag_id)
    form = FlagActionForm(request.POST)
    tab = request.POST.get("tab", FlagStatus.OPEN)
    error = None
    if not form.is_valid():
        error = "; ".join(
            str(message) for messages_ in form.errors.values() for message in messages_
        )
    else:
        service = (
            flag_services.flag_acknowledge
            if action == "acknowledge"
            else flag_services.flag_resolve
        )
        try:
            flag = service(flag=flag, by=signed_in_user(request), note=form.cleaned_data["note"])
        except DomainError as domain_error:
            error = domain_error.message
    done = "Acknowledged" if action == "acknowledge" else "Resolved"
    if request.htmx:
        flag = access_flag(signed_in_user(request), flag.pk)
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
def flag_acknowledge(request: HtmxHttpRequest, flag_id: uuid.UUID) -> HttpResponse:
    return _flag_action(request, flag_id, action="acknowledge")


@require_POST
@clinician_required
def flag_resolve(request: HtmxHttpRequest, flag_id: uuid.UUID) -> HttpResponse:
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
def patient_detail(request: HttpRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = access_patient(signed_in_user(request), patient_id)
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
