"""The flag queue and the care team's flag actions (acknowledge, resolve with an outcome,
reopen), through the flags app's services. Plain forms work without JavaScript (redirect with
a message naming the patient); with htmx the flag is swapped in place, focus moves to the
result, and the header's counts are re-sent out of band."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.permissions import signed_in_user
from apps.core.exceptions import DomainError
from apps.dashboard.evidence import evidence_json, evidence_rows
from apps.dashboard.flag_queue import QUEUE_TABS, group_by_patient, queue_flags
from apps.dashboard.forms import FlagActionForm, FlagResolveForm, QueueFilterForm
from apps.dashboard.web import (
    PAGE_SIZE,
    HtmxHttpRequest,
    clinician_required,
    render_page,
    safe_next,
)
from apps.flags import services as flag_services
from apps.flags.models import NOTE_REQUIRED_SEVERITIES, Flag, FlagStatus
from apps.flags.rules import rule_title
from apps.flags.selectors import access_flag

ACTIONS = {
    "acknowledge": ("Acknowledged", FlagActionForm),
    "resolve": ("Resolved", FlagResolveForm),
    "reopen": ("Reopened", FlagActionForm),
}


def flag_context(flag: Flag, tab: str) -> dict[str, Any]:
    return {
        "flag": flag,
        "evidence": evidence_rows(flag.evidence),
        "evidence_json": evidence_json(flag.evidence),
        "tab": tab,
        "note_required": flag.severity in NOTE_REQUIRED_SEVERITIES,
        "resolve_form": FlagResolveForm(auto_id=f"resolve-{flag.pk}-%s"),
    }


@require_GET
@clinician_required
def flag_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    filters = form.queue_filters()
    flags = queue_flags(signed_in_user(request), filters)
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    grouped = form.is_valid() and form.cleaned_data.get("group")
    items = [flag_context(flag, filters.status) for flag in page.object_list]
    params = {key: value for key, value in request.GET.items() if key != "page"}
    tab_params = {key: value for key, value in params.items() if key != "status"}
    return render_page(
        request,
        "dashboard/flags.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "groups": _groups(items) if grouped else None,
            "tab": filters.status,
            "tabs": [(tab, "?" + urlencode({**tab_params, "status": tab})) for tab in QUEUE_TABS],
            "page_query": urlencode(params),
            "filtered": any(
                (filters.severity, filters.rule, filters.patient, filters.waiting_hours)
            ),
            "nav": "flags",
        },
    )


def _groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_flag = {item["flag"].pk: item for item in items}
    return [
        {"patient": group.patient, "items": [by_flag[flag.pk] for flag in group.flags]}
        for group in group_by_patient([item["flag"] for item in items])
    ]


def _perform(action: str, flag: Flag, request: HttpRequest, data: dict[str, Any]) -> Flag:
    note = data.get("note", "")
    if action == "acknowledge":
        return flag_services.flag_acknowledge(flag=flag, by=signed_in_user(request), note=note)
    if action == "resolve":
        return flag_services.flag_resolve(
            flag=flag, by=signed_in_user(request), note=note, outcome=data.get("outcome", "")
        )
    return flag_services.flag_reopen(flag=flag, by=signed_in_user(request), note=note)


def _flag_action(request: HtmxHttpRequest, flag_id: Any, *, action: str) -> HttpResponse:
    flag = access_flag(signed_in_user(request), flag_id)
    done, form_class = ACTIONS[action]
    form = form_class(request.POST)
    tab = request.POST.get("tab", FlagStatus.OPEN)
    error = None
    if not form.is_valid():
        error = "; ".join(
            str(message) for messages_ in form.errors.values() for message in messages_
        )
    else:
        try:
            flag = _perform(action, flag, request, form.cleaned_data)
        except DomainError as domain_error:
            error = str(domain_error.message)
    patient = flag.patient.user
    said = f"{done}: {patient.last_name}, {patient.first_name} — {rule_title(flag.rule)}"
    if request.htmx:
        flag = access_flag(signed_in_user(request), flag.pk)
        if error is None and flag.status != tab:
            return render_page(
                request, "dashboard/_flag_done.html", {"flag": flag, "said": said, "tab": tab}
            )
        context = flag_context(flag, tab) | {"error": error, "said": None if error else said}
        return render_page(
            request, "dashboard/_flag.html", context | {"oob": True}, status=400 if error else 200
        )
    if error:
        messages.error(request, f"{patient.last_name}, {patient.first_name}: {error}")
    else:
        messages.success(request, said)
    return redirect(safe_next(request, form.data.get("next"), reverse("dashboard:flags")))


@require_POST
@clinician_required
def flag_acknowledge(request: HtmxHttpRequest, flag_id: Any) -> HttpResponse:
    return _flag_action(request, flag_id, action="acknowledge")


@require_POST
@clinician_required
def flag_resolve(request: HtmxHttpRequest, flag_id: Any) -> HttpResponse:
    return _flag_action(request, flag_id, action="resolve")


@require_POST
@clinician_required
def flag_reopen(request: HtmxHttpRequest, flag_id: Any) -> HttpResponse:
    return _flag_action(request, flag_id, action="reopen")
