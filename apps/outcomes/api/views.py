"""Outcome-measure endpoints (API.md: Outcome measures): thin views over selectors and
services. The consent gate (apps.consent.gate) refuses the patient's writes when consent
is withdrawn, before these run."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Patient, Role
from apps.accounts.permissions import signed_in_user
from apps.accounts.selectors import access_patient, patient_of_user
from apps.core.bounds import BoundedDateField
from apps.core.exceptions import NotAllowed
from apps.core.sync import ItemStatus
from apps.episodes.selectors import access_episode
from apps.outcomes import selectors, services
from apps.outcomes.api.serializers import (
    DueQuestionnaireSerializer,
    InstrumentDetailSerializer,
    InstrumentSerializer,
    QuestionnaireRequestSerializer,
    QuestionnaireResponseSerializer,
    QuestionnaireScheduleSerializer,
)
from apps.outcomes.conf import outcomes_setting
from apps.outcomes.due import due_for_patient
from apps.outcomes.inputs import (
    QuestionnaireRequestInputSerializer,
    QuestionnaireResponseInputSerializer,
    QuestionnaireScheduleInputSerializer,
)
from apps.outcomes.models import Instrument, QuestionnaireResponse, QuestionnaireSchedule
from apps.outcomes.wording import fhir_questionnaire, pick_wording


class FhirJSONRenderer(JSONRenderer):
    """``?format=fhir``: the instrument as a FHIR R4 Questionnaire."""

    media_type = "application/fhir+json"
    format = "fhir"


def _languages(request: Request) -> list[str]:
    """The caller's language first (apps.core.i18n: the patient's own ``language``, else
    ``Accept-Language``, else the default; active once DRF has authenticated the caller), then
    the rest of ``Accept-Language``, then the deployment's defaults."""
    header = request.headers.get("Accept-Language", "")
    tags = [part.split(";")[0].strip() for part in header.split(",") if part.strip()]
    active = translation.get_language() or settings.LANGUAGE_CODE
    return [active, *tags, str(outcomes_setting("DEFAULT_LANGUAGE")), settings.LANGUAGE_CODE]


class InstrumentListView(generics.ListAPIView):
    """The instruments of this deployment (current versions); `available` says which can be
    answered (their wording is loaded)."""

    serializer_class = InstrumentSerializer
    queryset = Instrument.objects.none()

    def get_queryset(self):
        return selectors.instruments_of_deployment()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # noqa: S101 - the default pagination class pages every list
        return self.get_paginated_response([InstrumentSerializer.data_of(i) for i in page])

    @extend_schema(tags=["outcomes"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InstrumentDetailView(APIView):
    renderer_classes = [JSONRenderer, FhirJSONRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON in the error shape whatever format was asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "fhir"],
                description="`fhir`: a FHIR R4 Questionnaire (application/fhir+json).",
            )
        ],
        responses={
            (200, "application/json"): InstrumentDetailSerializer,
            (200, "application/fhir+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="A FHIR R4 Questionnaire (`?format=fhir`)."
            ),
            404: OpenApiResponse(description="No such instrument."),
        },
        description="Items and options in the caller's language (a patient's own `language`, "
        "else `Accept-Language`, else the deployment's default; the first of these the "
        "instrument has wording in).",
        tags=["outcomes"],
    )
    def get(self, request: Request, code: str) -> Response:
        instrument = selectors.instrument_by_code(code)
        if instrument is None:
            raise NotFound(_("No such instrument."))
        wording = pick_wording(instrument, _languages(request))
        if request.accepted_renderer.format == "fhir":
            return Response(fhir_questionnaire(instrument, wording))
        return Response(InstrumentDetailSerializer.detail_of(instrument, wording))


class ResponseListQuerySerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "patient": serializers.UUIDField(required=False),
            "instrument": serializers.SlugField(required=False),
            "from": BoundedDateField(required=False),
            "to": BoundedDateField(required=False),
        }

    def validate(self, attrs: dict) -> dict:
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise ValidationError({"from": [_("Must not be after `to`.")]})
        return attrs


def _patient_or_403(request: Request) -> Patient:
    user = signed_in_user(request)
    if user.role != Role.PATIENT:
        raise NotAllowed(_("Only patients answer questionnaires."))
    return patient_of_user(user)


class QuestionnaireResponseListCreateView(generics.ListAPIView):
    """Responses (GET: a patient their own, staff their patients'; `?patient=` outside your
    care is a 404); the patient sends one (POST, idempotent on `client_id`)."""

    serializer_class = QuestionnaireResponseSerializer
    queryset = QuestionnaireResponse.objects.none()

    def get_queryset(self):
        query = ResponseListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params.get("patient"):
            try:
                access_patient(signed_in_user(self.request), params["patient"])
            except Http404 as error:
                raise NotFound(_("No such patient.")) from error
        responses = selectors.responses_visible_to(
            signed_in_user(self.request), patient_id=params.get("patient")
        )
        if params.get("instrument"):
            responses = responses.filter(instrument__code=params["instrument"])
        if params.get("from"):
            responses = responses.filter(date__gte=params["from"])
        if params.get("to"):
            responses = responses.filter(date__lte=params["to"])
        return responses

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # noqa: S101 - the default pagination class pages every list
        changes = selectors.changes_for_responses(page)
        return self.get_paginated_response(
            [QuestionnaireResponseSerializer.data_of(r, changes) for r in page]
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("patient", OpenApiTypes.UUID, description="Staff: one patient."),
            OpenApiParameter("instrument", OpenApiTypes.STR, description="An instrument code."),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First local date."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last local date."),
        ],
        tags=["outcomes"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=QuestionnaireResponseInputSerializer,
        responses={
            201: QuestionnaireResponseSerializer,
            200: OpenApiResponse(
                QuestionnaireResponseSerializer,
                description="This `client_id` was stored before: the stored response and its "
                "scores, unchanged, even if this body differs.",
            ),
            400: OpenApiResponse(description="Invalid; nothing stored."),
            403: OpenApiResponse(description="Not a patient, or consent withdrawn."),
        },
        description="Send a completed questionnaire; it is scored on the server. Too few "
        "items answered for a score: that score's `value` is null with the `reason`.",
        tags=["outcomes"],
    )
    def post(self, request: Request) -> Response:
        patient = _patient_or_403(request)
        submitted = services.questionnaire_response_post(patient=patient, data=request.data)
        result = submitted.result
        if result.status == ItemStatus.INVALID:
            raise ValidationError(result.errors)
        assert result.id is not None  # noqa: S101 - a stored response has its id
        if result.status == ItemStatus.CREATED:
            # Just written by this request, with its answers and scores (response_store._as_read).
            response = result.obj
            assert isinstance(response, QuestionnaireResponse)  # noqa: S101 - what store gives
        else:  # stored before: as stored
            response = selectors.responses_visible_to(signed_in_user(request)).get(pk=result.id)
        changes = submitted.changes  # a created one's, read with the catalogue's token
        if changes is None:
            changes = selectors.changes_for_responses([response])
        body = QuestionnaireResponseSerializer.data_of(response, changes)
        code = (
            status.HTTP_201_CREATED if result.status == ItemStatus.CREATED else status.HTTP_200_OK
        )
        return Response(body, status=code)


class MyQuestionnairesView(APIView):
    @extend_schema(
        responses={200: DueQuestionnaireSerializer(many=True)},
        description="What is due today (your local date), most pressing reason per instrument.",
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        patient = _patient_or_403(request)
        due = due_for_patient(patient)
        return Response(
            [
                {
                    "instrument": d.instrument,
                    "due_on": d.due_on.isoformat(),
                    "expires_on": d.expires_on.isoformat(),
                    "reason": d.reason,
                }
                for d in due
            ]
        )


def _staff_or_403(request: Request) -> None:
    user = signed_in_user(request)
    if user.role == Role.PATIENT and not user.is_superuser:
        raise NotAllowed(_("Only the care team sets questionnaire schedules and requests."))


def _schedule_body(episode: Any) -> dict[str, Any]:
    stored = QuestionnaireSchedule.objects.filter(episode=episode).first()
    rules = stored.rules if stored else outcomes_setting("SCHEDULE")
    keys = ("baseline", "at_resolution")
    numbers = ("every_days", "after_resolution_every_months", "after_resolution_months")
    return {
        "episode": str(episode.pk),
        "source": "episode" if stored else "deployment",
        "rules": [
            {"instrument": r["instrument"]}
            | {k: bool(r.get(k, False)) for k in keys}
            | {k: r.get(k) for k in numbers}
            for r in rules
        ],
    }


class EpisodeQuestionnaireScheduleView(APIView):
    @extend_schema(
        responses={
            200: QuestionnaireScheduleSerializer,
            404: OpenApiResponse(description="No such episode."),
        },
        tags=["outcomes"],
    )
    def get(self, request: Request, episode_id) -> Response:
        return Response(_schedule_body(access_episode(signed_in_user(request), episode_id)))

    @extend_schema(
        request=QuestionnaireScheduleInputSerializer,
        responses={
            200: QuestionnaireScheduleSerializer,
            403: OpenApiResponse(description="Not the care team."),
            404: OpenApiResponse(description="No such episode."),
        },
        description="Replace the episode's schedule (the deployment's defaults stop applying).",
        tags=["outcomes"],
    )
    def put(self, request: Request, episode_id) -> Response:
        episode = access_episode(signed_in_user(request), episode_id)
        _staff_or_403(request)
        serializer = QuestionnaireScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.questionnaire_schedule_set(
            episode=episode, by=signed_in_user(request), rules=serializer.validated_data["rules"]
        )
        return Response(_schedule_body(episode))


class PatientQuestionnaireRequestView(APIView):
    @extend_schema(
        request=QuestionnaireRequestInputSerializer,
        responses={
            201: QuestionnaireRequestSerializer,
            403: OpenApiResponse(description="Not the care team."),
            404: OpenApiResponse(description="No such patient."),
        },
        description="Ask the patient once to answer an instrument, due from their local today.",
        tags=["outcomes"],
    )
    def post(self, request: Request, patient_id) -> Response:
        patient = access_patient(signed_in_user(request), patient_id)
        _staff_or_403(request)
        serializer = QuestionnaireRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.questionnaire_request_create(
            patient=patient,
            by=signed_in_user(request),
            instrument=serializer.validated_data["instrument"],
            expires_in_days=serializer.validated_data.get("expires_in_days"),
        )
        body = {
            "id": str(made.id),
            "patient": str(patient.pk),
            "instrument": made.instrument_code,
            "requested_on": made.requested_on.isoformat(),
            "expires_on": made.expires_on.isoformat(),
        }
        return Response(body, status=status.HTTP_201_CREATED)
