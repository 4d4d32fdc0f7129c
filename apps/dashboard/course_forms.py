"""The clinical course on the web patient page: the physiotherapist records an assessment, a
treatment and an imaging result (Django forms with CSRF), through the same input serializers
and services as the API (apps.assessments, apps.treatments); and the page's tables (assessments
per test and side, treatments with their before/after line, imaging).

The forms post to their own URLs (`dashboard/episodes/{id}/assessments/` ...); a valid form
redirects back to the patient page (#course), an invalid one answers 400 with the page's
course section and the field errors."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.accounts.permissions import signed_in_user
from apps.assessments import services as assessment_services
from apps.assessments.catalogue import TEST_CHOICES, definition
from apps.assessments.inputs import AssessmentInputSerializer
from apps.assessments.models import AssessmentAid, AssessmentSide, Method, Movement
from apps.assessments.selectors import assessments_of_episode, change_of
from apps.core.exceptions import DomainError
from apps.dashboard.web import clinician_required
from apps.episodes.models import Episode
from apps.episodes.selectors import access_episode
from apps.treatments import services as treatment_services
from apps.treatments.effects import Effect
from apps.treatments.inputs import (
    WALKING_AIDS,
    ImagingInputSerializer,
    TreatmentInputSerializer,
)
from apps.treatments.models import (
    Bisphosphonate,
    EdemaGrade,
    ImagingSide,
    Modality,
    Route,
    TreatmentKind,
    WeightBearingLevel,
)
from apps.treatments.selectors import (
    chart_bands_and_markers,
    effects_for,
    imaging_of_episode,
    treatments_of_episode,
)

if TYPE_CHECKING:
    from apps.assessments.selectors import AssessmentWithPrevious


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "–"), *list(choices)]


class AssessmentForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    test = forms.ChoiceField(choices=TEST_CHOICES)
    side = forms.ChoiceField(choices=_blank(AssessmentSide.choices), required=False)
    movement = forms.ChoiceField(choices=_blank(Movement.choices), required=False)
    value = forms.DecimalField(max_digits=9, decimal_places=2)
    method = forms.ChoiceField(choices=_blank(Method.choices), required=False)
    aid = forms.ChoiceField(choices=_blank(AssessmentAid.choices), required=False)
    notes = forms.CharField(required=False, max_length=2000, widget=forms.TextInput)


class TreatmentForm(forms.Form):
    kind = forms.ChoiceField(choices=TreatmentKind.choices)
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    level = forms.ChoiceField(
        choices=_blank(WeightBearingLevel.choices), required=False, label="Weight bearing"
    )
    aid = forms.ChoiceField(choices=_blank(WALKING_AIDS), required=False, label="Walking aid")
    drug = forms.ChoiceField(
        choices=_blank(Bisphosphonate.choices), required=False, label="Bisphosphonate"
    )
    dose = forms.CharField(required=False, max_length=60)
    route = forms.ChoiceField(choices=_blank(Route.choices), required=False)
    description = forms.CharField(required=False, max_length=200)

    DETAIL_FIELDS = ("level", "aid", "drug", "dose", "route", "description")


class ImagingForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    modality = forms.ChoiceField(choices=Modality.choices)
    side = forms.ChoiceField(choices=_blank(ImagingSide.choices), required=False)
    bone_marrow_edema = forms.ChoiceField(
        choices=_blank(EdemaGrade.choices), required=False, label="Bone marrow oedema"
    )
    fracture_line = forms.NullBooleanField(required=False)
    t_score = forms.DecimalField(required=False, max_digits=3, decimal_places=1)
    z_score = forms.DecimalField(required=False, max_digits=3, decimal_places=1)
    report = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "")}


def _assessment_payload(data: dict[str, Any]) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), **_compact(data)}


def _treatment_payload(data: dict[str, Any]) -> dict[str, Any]:
    detail = _compact({name: data.get(name) for name in TreatmentForm.DETAIL_FIELDS})
    if data.get("kind") == TreatmentKind.NSAID and "drug" in detail:
        detail.pop("drug")  # the drug list of the form is the bisphosphonates'
    body = _compact({key: data.get(key) for key in ("kind", "starts_on", "ends_on")})
    return {"client_id": str(uuid.uuid4()), **body, "detail": detail}


def _imaging_payload(data: dict[str, Any]) -> dict[str, Any]:
    findings = _compact(
        {name: data.get(name) for name in ("bone_marrow_edema", "fracture_line", "t_score")}
        | {"z_score": data.get("z_score")}
    )
    body = _compact({key: data.get(key) for key in ("date", "modality", "side", "report")})
    return {"client_id": str(uuid.uuid4()), **body, "findings": findings}


FORMS = {
    "assessment": (AssessmentForm, AssessmentInputSerializer, _assessment_payload),
    "treatment": (TreatmentForm, TreatmentInputSerializer, _treatment_payload),
    "imaging": (ImagingForm, ImagingInputSerializer, _imaging_payload),
}


def _record(kind: str, episode: Episode, user: Any, values: dict[str, Any]) -> None:
    if kind == "assessment":
        assessment_services.assessment_record(episode=episode, by=user, values=values)
    elif kind == "treatment":
        treatment_services.treatment_record(episode=episode, by=user, values=values)
    else:
        treatment_services.imaging_record(episode=episode, by=user, values=values)


def _submit(request: HttpRequest, episode_id: Any, kind: str) -> HttpResponse:
    user = signed_in_user(request)
    episode = access_episode(user, episode_id)
    if not (user.is_superuser or user.role == Role.PHYSIOTHERAPIST):
        return HttpResponse("Only the patient's physiotherapists record the course.", status=403)
    form_class, serializer_class, payload = FORMS[kind]
    form = form_class(request.POST, auto_id=f"{kind}_%s")
    if form.is_valid():
        serializer = serializer_class(data=payload(form.cleaned_data))
        if serializer.is_valid():
            try:
                _record(kind, episode, user, serializer.validated_data)
            except DomainError as error:
                form.add_error(None, f"{error.field}: {error.message}")
            else:
                messages.success(request, f"The {kind} was recorded.")
                url = reverse("dashboard:patient", args=[episode.patient_id])
                return redirect(f"{url}?episode={episode.pk}#course")
        else:
            for field, errors in serializer.errors.items():
                form.add_error(None, f"{field}: {_text(errors)}")
    context = course_context(episode) | {f"{kind}_form": form, "patient": episode.patient}
    return render(request, "dashboard/course_form_errors.html", context, status=400)


def _text(errors: Any) -> str:
    if isinstance(errors, dict):
        return "; ".join(f"{key}: {_text(value)}" for key, value in errors.items())
    if isinstance(errors, list | tuple):
        return " ".join(_text(item) for item in errors)
    return str(errors)


@require_POST
@clinician_required
def assessment_create(request: HttpRequest, episode_id: Any) -> HttpResponse:
    return _submit(request, episode_id, "assessment")


@require_POST
@clinician_required
def treatment_create(request: HttpRequest, episode_id: Any) -> HttpResponse:
    return _submit(request, episode_id, "treatment")


@require_POST
@clinician_required
def imaging_create(request: HttpRequest, episode_id: Any) -> HttpResponse:
    return _submit(request, episode_id, "imaging")


# --- What the page shows ---------------------------------------------------------------------


def effect_line(effect: Effect | None) -> str:
    """One line: "Pain (worst) 7.0 before → 3.0 on days 15-28 (-4.0); low pain after 7 days"."""
    if effect is None:
        return ""
    if effect.change is not None:
        line = (
            f"Worst pain {effect.before.mean} before → {effect.after.mean} on days 15–28 "
            f"({effect.change:+})"
        )
    else:
        reasons = [w.reason for w in (effect.before, effect.after) if w.reason]
        line = "Before/after: not enough data (" + " ".join(reasons) + ")"
    if effect.days_to_low_pain is not None:
        line += f"; mean pain ≤ 2 for 7 days from day {effect.days_to_low_pain}"
    return line


def _assessment_table(assessments: Sequence[AssessmentWithPrevious]) -> list[dict[str, Any]]:
    """One row per test, side and movement: its measurements oldest first, with the change
    from the previous one and whether it is beyond the MDC (``assessments`` newest first)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in reversed(assessments):
        change = change_of(test=row.test, value=row.value, previous_value=row.previous_value)
        groups[(row.test, row.side, row.movement)].append({"assessment": row, "change": change})
    return [
        {
            "test": test,
            "title": definition(test).title,
            "unit": definition(test).unit,
            "side": side,
            "movement": movement.replace("_", " "),
            "points": points,
        }
        for (test, side, movement), points in sorted(groups.items())
    ]


def course_context(episode: Episode | None) -> dict[str, Any]:
    """The course section's data for the patient page (a fixed number of queries)."""
    if episode is None:
        return {}
    treatments = list(treatments_of_episode(episode))
    effects = effects_for(episode, treatments)
    imaging = list(imaging_of_episode(episode))
    bands, markers = chart_bands_and_markers(episode, treatments=treatments, imaging=imaging)
    assessments = list(assessments_of_episode(episode))
    return {
        "course_episode": episode,
        "assessments": assessments,
        "assessment_rows": _assessment_table(assessments),
        "treatment_rows": [
            {"treatment": t, "effect": effect_line(effects.get(t.pk))} for t in treatments
        ],
        "imaging_rows": imaging,
        "chart_bands": bands,
        "chart_markers": markers,
        # Three forms on one page: ids per form, so each label points at its own field.
        "assessment_form": AssessmentForm(auto_id="assessment_%s"),
        "treatment_form": TreatmentForm(auto_id="treatment_%s"),
        "imaging_form": ImagingForm(auto_id="imaging_%s"),
    }
