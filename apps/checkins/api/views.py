from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import IsPatient
from apps.accounts.selectors import access_patient, patient_of_user
from apps.checkins import services
from apps.checkins.api.serializers import (
    CheckInCreatedSerializer,
    CheckInListQuerySerializer,
    CheckInSerializer,
    SyncRequestDocumentedSerializer,
    SyncRequestSerializer,
    SyncResponseSerializer,
    TimelineQuerySerializer,
    TimelineSerializer,
)
from apps.checkins.inputs import CheckInCorrectionSerializer, CheckInInputSerializer
from apps.checkins.selectors import access_checkin, checkins_visible_to
from apps.checkins.timeline import DEFAULT_DAYS, MAX_DAYS, default_range, patient_timeline
from apps.core.exceptions import Conflict, NotAllowed
from apps.core.sync import ItemResult, ItemStatus
from apps.episodes.api.views import WriteThrottleMixin

_list_parameters = [
    OpenApiParameter(
        "patient", OpenApiTypes.UUID, description="Patient id (staff: one of theirs)."
    ),
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First local date, YYYY-MM-DD (inclusive)."
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Last local date, YYYY-MM-DD (inclusive)."
    ),
]


def single_item_response(result: ItemResult) -> Response:
    """The HTTP answer a single POST gives for an item result (created 201, unchanged 200,
    conflict 409 with the existing id, invalid 400)."""
    if result.status == ItemStatus.INVALID:
        raise ValidationError(result.errors)
    if result.status == ItemStatus.CONFLICT:
        raise Conflict(
            "There is already a check-in for this date; correct it with PATCH instead.",
            field="date",
            extra={"id": str(result.id)},
        )
    if result.status == ItemStatus.CREATED:
        body = CheckInSerializer(result.obj).data | {"advice": result.advice or []}
        return Response(body, status=status.HTTP_201_CREATED)
    return Response(CheckInSerializer(result.obj).data, status=status.HTTP_200_OK)


class CheckInListCreateView(WriteThrottleMixin, generics.ListAPIView):
    """Check-ins (GET: a patient their own, staff their patients'); the patient sends one
    (POST)."""

    serializer_class = CheckInSerializer

    def get_queryset(self):
        query = CheckInListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        checkins = checkins_visible_to(self.request.user)
        if "patient" in params:
            checkins = checkins.filter(patient=access_patient(self.request.user, params["patient"]))
        if "date_from" in params:
            checkins = checkins.filter(date__gte=params["date_from"])
        if "date_to" in params:
            checkins = checkins.filter(date__lte=params["date_to"])
        return checkins.order_by("-date", "patient_id", "id")

    @extend_schema(parameters=_list_parameters, tags=["checkins"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CheckInInputSerializer,
        responses={
            201: CheckInCreatedSerializer,
            200: OpenApiResponse(
                CheckInSerializer,
                description="This `client_id` was stored before: the stored check-in, "
                "unchanged, even if this body differs.",
            ),
            409: OpenApiResponse(
                description="Another check-in (another `client_id`) holds this date; the body "
                "carries its `id`."
            ),
        },
        description="Send the day's check-in. Retrying with the same `client_id` is safe.",
        tags=["checkins"],
    )
    def post(self, request: Request) -> Response:
        if not IsPatient().has_permission(request, self):
            raise NotAllowed("Only patients send check-ins.")
        patient = patient_of_user(request.user)
        return single_item_response(services.checkin_submit(patient=patient, data=request.data))


class CheckInDetailView(WriteThrottleMixin, generics.GenericAPIView):
    serializer_class = CheckInSerializer

    def get_object(self):
        return access_checkin(self.request.user, self.kwargs["checkin_id"])

    @extend_schema(tags=["checkins"])
    def get(self, request: Request, checkin_id) -> Response:
        return Response(CheckInSerializer(self.get_object()).data)

    @extend_schema(
        request=CheckInCorrectionSerializer,
        responses={200: CheckInSerializer},
        description="The patient corrects their check-in, within 7 days of its date (their "
        "local today). `client_id` and `date` cannot change.",
        tags=["checkins"],
    )
    def patch(self, request: Request, checkin_id) -> Response:
        checkin = self.get_object()
        if not IsPatient().has_permission(request, self):
            raise NotAllowed("Only the patient corrects their check-ins.")
        checkin = services.checkin_correct(checkin=checkin, data=request.data)
        return Response(CheckInSerializer(checkin).data)


class SyncView(WriteThrottleMixin, generics.GenericAPIView):
    """Everything a phone stored while offline, in one request."""

    permission_classes = [IsPatient]
    serializer_class = SyncRequestSerializer

    @extend_schema(
        request=SyncRequestDocumentedSerializer,
        responses={200: SyncResponseSerializer},
        description="Up to 500 items in all. Each item gets the status its own POST would "
        "get (`created` 201, `unchanged` 200 - a repeated `client_id` returns the stored id "
        "even if the body differs, `conflict` 409 with the id holding the date, `invalid` "
        "400 with `errors`), in request order; one bad item never blocks the others.",
        tags=["sync"],
    )
    def post(self, request: Request) -> Response:
        envelope = SyncRequestSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        patient = patient_of_user(request.user)
        checkins = services.checkins_submit_many(
            patient=patient, items=envelope.validated_data.get("checkins", [])
        )
        sessions_in = envelope.validated_data.get("exercise_sessions", [])
        sessions: list[ItemResult] = []
        if sessions_in:
            from apps.exercises.services import exercise_sessions_submit_many

            sessions = exercise_sessions_submit_many(patient=patient, items=sessions_in)
        return Response(
            {
                "checkins": [result.as_response_item() for result in checkins],
                "exercise_sessions": [result.as_response_item() for result in sessions],
            }
        )


class TimelineView(generics.GenericAPIView):
    """One entry per local date of the patient: check-in, sessions done and prescribed,
    flags opened. For the care team and for the patient themself."""

    serializer_class = TimelineSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", str, description="First local date (default: 29 days before `to`)."
            ),
            OpenApiParameter(
                "to",
                str,
                description="Last local date (default: the patient's "
                "local today). At most 400 days in all.",
            ),
        ],
        responses={200: TimelineSerializer},
        tags=["dashboard"],
    )
    def get(self, request: Request, patient_id) -> Response:
        patient = access_patient(request.user, patient_id)
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        default_from, default_to = default_range(patient)
        date_to = query.validated_data.get("date_to", default_to)
        date_from = query.validated_data.get(
            "date_from", date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
        )
        if date_from > date_to:
            raise ValidationError({"from": ["Must not be after `to`."]})
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise ValidationError({"from": [f"At most {MAX_DAYS} days per request."]})
        entries = patient_timeline(patient=patient, date_from=date_from, date_to=date_to)
        body = {
            "patient": patient.id,
            "date_from": date_from,
            "date_to": date_to,
            "entries": entries,
        }
        return Response(TimelineSerializer(body).data)
