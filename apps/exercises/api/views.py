"""Exercise endpoints (API.md: Exercises): thin views over selectors and services."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.permissions import signed_in_user
from apps.accounts.selectors import patient_of_user
from apps.core.bounds import DateRangeQuerySerializer
from apps.core.exceptions import NotAllowed
from apps.core.sync import ItemStatus
from apps.core.timezones import local_today
from apps.episodes.selectors import access_episode
from apps.exercises import selectors, services
from apps.exercises.api.serializers import (
    AdherenceSerializer,
    ExercisePlanSerializer,
    ExerciseSerializer,
    ExerciseSessionSerializer,
)
from apps.exercises.inputs import (
    ExerciseSessionCorrectionSerializer,
    ExerciseSessionInputSerializer,
    PlanInputSerializer,
)
from apps.exercises.models import ExercisePlan, ExerciseSession

MAX_ADHERENCE_DAYS = 366
DEFAULT_ADHERENCE_WEEKS = 4


class ExerciseListView(generics.ListAPIView):
    """The exercise library (any signed-in user). Managed in the admin."""

    serializer_class = ExerciseSerializer
    filterset_fields = ["category"]

    def get_queryset(self):
        return selectors.exercise_library()

    @extend_schema(tags=["exercises"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EpisodePlanListCreateView(generics.ListAPIView):
    """Plan history of an episode, newest first (care team and the patient); prescribe a new
    plan (the episode's physiotherapists), which supersedes the previous one from its start."""

    serializer_class = ExercisePlanSerializer
    queryset = ExercisePlan.objects.none()  # for the schema; get_queryset checks access

    def get_queryset(self):
        episode = access_episode(signed_in_user(self.request), self.kwargs["episode_id"])
        return selectors.plans_of_episode(episode)

    @extend_schema(tags=["exercises"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=PlanInputSerializer,
        responses={
            201: ExercisePlanSerializer,
            403: OpenApiResponse(description="Not a physiotherapist of the care team."),
            404: OpenApiResponse(description="No such episode (or not yours to see)."),
            409: OpenApiResponse(
                description="Sessions were already logged against the plan it would cut "
                "(`earliest_starts_on` says when it can start)."
            ),
        },
        tags=["exercises"],
    )
    def post(self, request: Request, episode_id) -> Response:
        episode = access_episode(signed_in_user(request), episode_id)
        user = signed_in_user(request)
        if not (user.is_superuser or user.role == Role.PHYSIOTHERAPIST):
            raise NotAllowed(_("Only the patient's physiotherapists can prescribe a plan."))
        serializer = PlanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = services.plan_create(
            episode=episode,
            by=user,
            starts_on=data["starts_on"],
            ends_on=data.get("ends_on"),
            items=data["items"],
        )
        plan = selectors.plans_of_episode(episode).get(pk=plan.pk)
        return Response(ExercisePlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class MyPlanView(APIView):
    """The plan in force today (the patient's local date) in the patient's active episode."""

    @extend_schema(
        responses={
            200: ExercisePlanSerializer,
            404: OpenApiResponse(description="No plan is in force today."),
        },
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        patient = patient_of_user(signed_in_user(request))
        plan = selectors.current_plan_for(patient)
        if plan is None:
            raise NotFound(
                "You have no exercise plan in force today. Your physiotherapist will prescribe one."
            )
        return Response(ExercisePlanSerializer(plan).data)


class SessionListQuerySerializer(DateRangeQuerySerializer):
    def extra_fields(self) -> dict[str, serializers.Field]:
        return {"patient": serializers.UUIDField(required=False)}


def _range_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter("from", OpenApiTypes.DATE, description="First date included."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last date included."),
    ]


class ExerciseSessionListCreateView(generics.ListAPIView):
    """Sessions (GET: a patient's own; staff: their patients', `?patient=` for one); log a
    session (POST, patients; idempotent on `client_id`)."""

    serializer_class = ExerciseSessionSerializer
    queryset = ExerciseSession.objects.none()  # for the schema; get_queryset checks access

    def get_queryset(self):
        query = SessionListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        sessions = selectors.sessions_visible_to(
            signed_in_user(self.request), patient_id=params.get("patient")
        )
        if params.get("date_from"):
            sessions = sessions.filter(date__gte=params["date_from"])
        if params.get("date_to"):
            sessions = sessions.filter(date__lte=params["date_to"])
        return sessions

    @extend_schema(
        parameters=[
            *_range_parameters(),
            OpenApiParameter(
                "patient",
                OpenApiTypes.UUID,
                description="Staff: one patient in your care (404 otherwise). Patients: "
                "only yourself.",
            ),
        ],
        tags=["exercises"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ExerciseSessionInputSerializer,
        responses={
            201: ExerciseSessionSerializer,
            200: OpenApiResponse(
                ExerciseSessionSerializer, description="Same client_id sent before: stored."
            ),
            403: OpenApiResponse(description="Only patients log sessions."),
        },
        tags=["exercises"],
    )
    def post(self, request: Request) -> Response:
        patient = _patient_or_403(request)
        result = services.exercise_session_submit(patient=patient, data=request.data)
        if result.status == ItemStatus.INVALID:
            raise ValidationError(result.errors)
        code = (
            status.HTTP_201_CREATED if result.status == ItemStatus.CREATED else status.HTTP_200_OK
        )
        return Response(ExerciseSessionSerializer(result.obj).data, status=code)


class ExerciseSessionDetailView(generics.GenericAPIView):
    """The patient corrects (PATCH) or deletes (DELETE) one of their own sessions within
    7 days of its date (their local calendar); anyone else's session is a 404."""

    serializer_class = ExerciseSessionSerializer
    queryset = ExerciseSession.objects.none()  # for the schema; get_object checks access

    def get_object(self) -> ExerciseSession:
        patient = _patient_or_403(self.request)
        session = (
            ExerciseSession.objects.select_related("patient", "episode", "plan_item")
            .filter(patient=patient, pk=self.kwargs["session_id"])
            .first()
        )
        if session is None:
            raise NotFound("No such exercise session.")
        return session

    @extend_schema(
        request=ExerciseSessionCorrectionSerializer,
        responses={
            200: ExerciseSessionSerializer,
            400: OpenApiResponse(
                description="Invalid values; `client_id`, `date` or `plan_item` changed "
                "(under that field); or more than 7 days after the session's date "
                "(`code`: `correction_window_closed`, under `date`)."
            ),
            403: OpenApiResponse(
                description="Not a patient, or consent withdrawn (`consent_withdrawn`)."
            ),
            404: OpenApiResponse(description="No such session of yours."),
        },
        description="Correct `sets_done` and/or `pain_during` of your session within 7 days "
        "of its date (your local calendar), validated as for the POST.",
        tags=["exercises"],
    )
    def patch(self, request: Request, session_id) -> Response:
        session = services.exercise_session_correct(session=self.get_object(), data=request.data)
        return Response(ExerciseSessionSerializer(session).data)

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted: it no longer counts for adherence."),
            400: OpenApiResponse(
                description="More than 7 days after the session's date "
                "(`code`: `correction_window_closed`, under `date`)."
            ),
            403: OpenApiResponse(description="Not a patient."),
            404: OpenApiResponse(description="No such session of yours (or already deleted)."),
        },
        description="Delete your session logged by mistake, within 7 days of its date.",
        tags=["exercises"],
    )
    def delete(self, request: Request, session_id) -> Response:
        services.exercise_session_delete(session=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _patient_or_403(request: Request):
    if signed_in_user(request).role != Role.PATIENT:
        raise NotAllowed(_("Only patients log exercise sessions."))
    return patient_of_user(signed_in_user(request))


class EpisodeAdherenceView(APIView):
    """Adherence per ISO week (each item and overall) and for the whole range; see
    docs/exercises.md for the exact definition. Defaults: the last 4 ISO weeks up to the
    patient's local today."""

    @extend_schema(
        parameters=_range_parameters(),
        responses={200: AdherenceSerializer},
        tags=["exercises"],
    )
    def get(self, request: Request, episode_id) -> Response:
        episode = access_episode(signed_in_user(request), episode_id)
        query = DateRangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = local_today(episode.patient.timezone)
        date_to = query.validated_data.get("date_to") or today
        date_from = query.validated_data.get("date_from") or (
            date_to
            - dt.timedelta(days=date_to.weekday())
            - dt.timedelta(weeks=DEFAULT_ADHERENCE_WEEKS - 1)
        )
        if date_from > date_to:
            raise ValidationError({"from": [_("Must not be after `to`.")]})
        if (date_to - date_from).days + 1 > MAX_ADHERENCE_DAYS:
            raise ValidationError(
                {"from": [_("At most %(days)d days at a time.") % {"days": MAX_ADHERENCE_DAYS}]}
            )
        adherence = selectors.adherence_for_range(
            episode=episode, date_from=date_from, date_to=date_to
        )
        return Response(AdherenceSerializer.data_of(episode.id, adherence))
