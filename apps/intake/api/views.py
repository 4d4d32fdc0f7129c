"""The phone's composite writes: the check-in POST and PATCH with their inline advice, and
`POST sync/` (check-ins and exercise sessions). Each view validates its input, calls
apps.intake.services (the record apps' services with the flag engine's advice passed in), and
answers. The GETs of the same URLs are apps.checkins' read views, which these extend.

Each also says what a refusal by the consent gate (apps.consent.gate) still carries: the
``consent_refusal_extra`` hook, which validates the body and computes the advice, storing
nothing (API.md: safety advice never depends on consent to store data)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import Patient, User
from apps.accounts.permissions import IsPatient, signed_in_user
from apps.accounts.selectors import patient_of_user
from apps.checkins.api import views as checkins_views
from apps.checkins.api.serializers import (
    CheckInConflictSerializer,
    CheckInCorrectedSerializer,
    CheckInCreatedSerializer,
    CheckInRefusedSerializer,
    CheckInSerializer,
    checkin_representation,
)
from apps.checkins.inputs import CheckInCorrectionSerializer, CheckInInputSerializer
from apps.checkins.models import CheckIn
from apps.checkins.selectors import access_checkin
from apps.core.exceptions import Conflict, NotAllowed, api_exception_handler
from apps.core.sync import ItemResult, ItemStatus
from apps.intake import services
from apps.intake.api.serializers import (
    SyncRefusedSerializer,
    SyncRequestDocumentedSerializer,
    SyncRequestSerializer,
    SyncResponseSerializer,
)


def single_item_response(result: ItemResult) -> Response:
    """The HTTP answer a single POST gives for an item result (created 201, unchanged 200,
    conflict 409 with the existing id, invalid 400), each with the advice it carries."""
    if result.status == ItemStatus.INVALID:
        if result.advice is None:
            raise ValidationError(result.errors)
        # Refused after its values validated (date, episode): the advice comes with the errors.
        response = api_exception_handler(ValidationError(result.errors), {})
        assert response is not None  # noqa: S101 - the handler answers every ValidationError
        response.data["advice"] = result.advice
        return response
    if result.status == ItemStatus.CONFLICT:
        raise Conflict(
            _("There is already a check-in for this date; correct it with PATCH instead."),
            field="date",
            extra={"id": str(result.id), "advice": result.advice or []},
        )
    assert isinstance(result.obj, CheckIn)  # noqa: S101 - a stored check-in's result carries it
    body = checkin_representation(result.obj) | {"advice": result.advice or []}
    if result.status == ItemStatus.CREATED:
        return Response(body, status=status.HTTP_201_CREATED)
    return Response(body, status=status.HTTP_200_OK)


def _body_as_the_view_parses_it(request: HttpRequest, view_class: type) -> Any:
    """The request body parsed by the view's own parsers (for the consent gate's hook, which
    runs before the view). Raises DRF's ParseError/UnsupportedMediaType on a bad body."""
    return Request(request, parsers=view_class().get_parsers()).data


class ConsentRefusalAdviceMixin:
    """What a check-in write refused by the consent gate still carries (API.md: safety
    advice never depends on consent to store data). ``apps.consent.gate`` calls
    ``consent_refusal_extra`` on the view class before refusing; it only reads."""

    #: The methods whose refusal carries advice (the check-in writes of the view).
    advised_methods: frozenset[str] = frozenset({"POST"})

    @classmethod
    def consent_refusal_extra(
        cls, request: HttpRequest, user: User, view_kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        if request.method not in cls.advised_methods:
            return {}
        try:
            data = _body_as_the_view_parses_it(request, cls)
        except exceptions.APIException:
            return {}  # not even a body: no values, no advice
        try:
            patient = patient_of_user(user)
        except Http404:
            return {}
        return cls.advice_of_refused(patient=patient, data=data, user=user, **view_kwargs)

    @classmethod
    def advice_of_refused(
        cls, *, patient: Patient, data: Any, user: User, **kwargs: Any
    ) -> dict[str, Any]:
        raise NotImplementedError


class CheckInListCreateView(ConsentRefusalAdviceMixin, checkins_views.CheckInListView):
    """Check-ins (GET: a patient their own, staff their patients'); the patient sends one
    (POST)."""

    serializer_class = CheckInSerializer

    @classmethod
    def advice_of_refused(
        cls, *, patient: Patient, data: Any, user: User, **kwargs: Any
    ) -> dict[str, Any]:
        advice = services.advice_for_values(patient=patient, data=data)
        return {} if advice is None else {"advice": advice}

    @extend_schema(
        request=CheckInInputSerializer,
        responses={
            201: CheckInCreatedSerializer,
            200: OpenApiResponse(
                CheckInCreatedSerializer,
                description="This `client_id` was stored before: the stored check-in, "
                "unchanged, even if this body differs, with the `advice` its first answer "
                "carried (stored with it).",
            ),
            400: OpenApiResponse(
                CheckInRefusedSerializer,
                description="Invalid; nothing stored. When the values themselves validated "
                "but the date (too old, after today, before onset) or the lack of an active "
                "episode refused them, `advice` carries what they meet.",
            ),
            403: OpenApiResponse(
                CheckInRefusedSerializer,
                description="`consent_withdrawn`: nothing stored, but `advice` carries the "
                "emergency or urgent rules the sent values meet (when they validate); or not a "
                "patient.",
            ),
            409: OpenApiResponse(
                CheckInConflictSerializer,
                description="Another check-in (another `client_id`) holds this date; the body "
                "carries its `id` and the `advice` the sent values meet. Nothing stored.",
            ),
        },
        description="Send the day's check-in. Retrying with the same `client_id` is safe.",
        tags=["checkins"],
    )
    def post(self, request: Request) -> Response:
        if not IsPatient().has_permission(request, self):
            raise NotAllowed(_("Only patients send check-ins."))
        patient = patient_of_user(signed_in_user(request))
        return single_item_response(services.checkin_submit(patient=patient, data=request.data))


class CheckInDetailView(ConsentRefusalAdviceMixin, checkins_views.CheckInDetailView):
    serializer_class = CheckInSerializer
    advised_methods = frozenset({"PATCH"})

    @classmethod
    def advice_of_refused(
        cls, *, patient: Patient, data: Any, user: User, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            checkin = access_checkin(user, kwargs["checkin_id"])
        except Http404:
            return {}
        advice = services.correction_advice(checkin=checkin, data=data)
        return {} if advice is None else {"advice": advice}

    @extend_schema(
        request=CheckInCorrectionSerializer,
        responses={
            200: CheckInCorrectedSerializer,
            400: OpenApiResponse(
                CheckInRefusedSerializer,
                description="Invalid; nothing changed. Past the 7-day window "
                "(`correction_window_closed`) `advice` carries what the corrected values meet.",
            ),
            403: OpenApiResponse(
                CheckInRefusedSerializer,
                description="`consent_withdrawn`: nothing changed, `advice` carries what the "
                "corrected check-in would meet; or not the patient.",
            ),
        },
        description="The patient corrects their check-in, within 7 days of its date (their "
        "local today). `client_id` and `date` cannot change. The answer carries the `advice` "
        "the corrected check-in meets.",
        tags=["checkins"],
    )
    def patch(self, request: Request, checkin_id) -> Response:
        checkin = self.get_object()
        if not IsPatient().has_permission(request, self):
            raise NotAllowed(_("Only the patient corrects their check-ins."))
        checkin, advice = services.checkin_correct(checkin=checkin, data=request.data)
        return Response(CheckInSerializer(checkin).data | {"advice": advice})


class SyncView(ConsentRefusalAdviceMixin, generics.GenericAPIView):
    """Everything a phone stored while offline, in one request."""

    permission_classes = [IsPatient]
    serializer_class = SyncRequestSerializer

    @classmethod
    def advice_of_refused(
        cls, *, patient: Patient, data: Any, user: User, **kwargs: Any
    ) -> dict[str, Any]:
        envelope = SyncRequestSerializer(data=data)
        if not envelope.is_valid():
            return {}
        items = envelope.validated_data.get("checkins", [])
        return {"checkins": services.advice_for_many_values(patient=patient, items=items)}

    @extend_schema(
        request=SyncRequestDocumentedSerializer,
        responses={
            200: SyncResponseSerializer,
            403: OpenApiResponse(
                SyncRefusedSerializer,
                description="`consent_withdrawn`: nothing stored; `checkins` carries, per "
                "check-in item in request order, the `advice` its values meet.",
            ),
        },
        description="Up to 500 items in all. Each item gets the status its own POST would "
        "get (`created` 201, `unchanged` 200 - a repeated `client_id` returns the stored id "
        "even if the body differs, `conflict` 409 with the id holding the date, `invalid` "
        "400 with `errors`), in request order; one bad item never blocks the others.",
        tags=["sync"],
    )
    def post(self, request: Request) -> Response:
        envelope = SyncRequestSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        patient = patient_of_user(signed_in_user(request))
        checkins, sessions, responses = services.sync_all(
            patient=patient,
            checkin_items=envelope.validated_data.get("checkins", []),
            session_items=envelope.validated_data.get("exercise_sessions", []),
            response_items=envelope.validated_data.get("questionnaire_responses", []),
        )
        return Response(
            {
                "checkins": [result.as_response_item() for result in checkins],
                "exercise_sessions": [result.as_response_item() for result in sessions],
                "questionnaire_responses": [result.as_response_item() for result in responses],
            }
        )
