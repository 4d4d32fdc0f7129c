from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role, User
from apps.accounts.permissions import IsClinician, signed_in_user
from apps.accounts.selectors import access_patient
from apps.flags import services
from apps.flags.api.serializers import (
    FlagActionSerializer,
    FlagListQuerySerializer,
    FlagResolveSerializer,
    FlagSerializer,
    PatientFlagSerializer,
)
from apps.flags.models import Flag
from apps.flags.rules import SEVERITY_ORDER
from apps.flags.selectors import access_flag, flags_visible_to

_flag_or_patient_flag = PolymorphicProxySerializer(
    component_name="FlagForCareTeamOrPatient",
    serializers={"care_team": FlagSerializer, "patient": PatientFlagSerializer},
    resource_type_field_name="audience",
)


def _is_patient(user) -> bool:
    return user.role == Role.PATIENT and not user.is_superuser


class FlagListView(generics.ListAPIView):
    """Flags: the care team, their patients' with every field; a patient, their own with the
    patient message only. Paginated with ``?page=``."""

    permission_classes = [IsAuthenticated]

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return FlagSerializer
        return PatientFlagSerializer if _is_patient(self.request.user) else FlagSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Flag.objects.none()
        query = FlagListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        flags = flags_visible_to(signed_in_user(self.request))
        if "patient" in params:
            flags = flags.filter(
                patient=access_patient(signed_in_user(self.request), params["patient"])
            )
        if "status" in params:
            flags = flags.filter(status=params["status"])
        if "severity" in params:
            flags = flags.filter(severity=params["severity"])
        return flags.order_by("-opened_at", "id")

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["open", "acknowledged", "resolved"]),
            OpenApiParameter("severity", str, enum=list(SEVERITY_ORDER)),
            OpenApiParameter("patient", str, description="Patient id (staff: one of theirs)."),
        ],
        responses={200: _flag_or_patient_flag},
        tags=["flags"],
        description=(
            "Care team: `Flag` (every field). Patient: `PatientFlag` (own flags, patient "
            "message only). Paginated with `?page=` and `?page_size=`."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class FlagDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: _flag_or_patient_flag, 404: OpenApiResponse(description="Not visible")},
        tags=["flags"],
    )
    def get(self, request, flag_id):
        flag = access_flag(request.user, flag_id)
        serializer = PatientFlagSerializer if _is_patient(request.user) else FlagSerializer
        return Response(serializer(flag).data)


class _FlagActionView(APIView):
    permission_classes = [IsClinician]
    body_serializer: type[FlagActionSerializer] = FlagActionSerializer

    def perform(self, flag: Flag, by: User, data: dict[str, str]) -> Flag:
        raise NotImplementedError

    def post(self, request, flag_id):
        body = self.body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = access_flag(request.user, flag_id)
        flag = self.perform(flag, request.user, body.validated_data)
        return Response(FlagSerializer(flag).data)


_action_responses = {
    200: FlagSerializer,
    400: OpenApiResponse(
        description="Bad input, e.g. a note too long, or no note for an emergency or urgent flag.",
    ),
    403: OpenApiResponse(description="Not care-team staff (e.g. the patient)."),
    404: OpenApiResponse(description="No such flag among the caller's patients."),
    409: OpenApiResponse(description="The flag is already resolved."),
}


class FlagAcknowledgeView(_FlagActionView):
    """The care team has seen the flag and is acting on it (open → acknowledged)."""

    def perform(self, flag: Flag, by: User, data: dict[str, str]) -> Flag:
        return services.flag_acknowledge(flag=flag, by=by, note=data.get("note", ""))

    @extend_schema(request=FlagActionSerializer, responses=_action_responses, tags=["flags"])
    def post(self, request, flag_id):
        return super().post(request, flag_id)


class FlagResolveView(_FlagActionView):
    """The care team has dealt with the flag (open/acknowledged → resolved), with an outcome;
    a note is required for emergency and urgent flags."""

    body_serializer = FlagResolveSerializer

    def perform(self, flag: Flag, by: User, data: dict[str, str]) -> Flag:
        return services.flag_resolve(
            flag=flag, by=by, note=data.get("note", ""), outcome=data.get("outcome", "")
        )

    @extend_schema(request=FlagResolveSerializer, responses=_action_responses, tags=["flags"])
    def post(self, request, flag_id):
        return super().post(request, flag_id)


class FlagReopenView(_FlagActionView):
    """A flag the care team resolved is live again, as acknowledged (resolved → acknowledged).
    409 when it is not resolved, was withdrawn, or the rule has another live flag."""

    def perform(self, flag: Flag, by: User, data: dict[str, str]) -> Flag:
        return services.flag_reopen(flag=flag, by=by, note=data.get("note", ""))

    @extend_schema(
        request=FlagActionSerializer,
        responses={
            **_action_responses,
            409: OpenApiResponse(
                description=(
                    "Not resolved, withdrawn by the engine, or another live flag of the rule."
                ),
            ),
        },
        tags=["flags"],
    )
    def post(self, request, flag_id):
        return super().post(request, flag_id)
