from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import signed_in_user
from apps.accounts.selectors import access_patient
from apps.checkins.api.serializers import (
    CheckInListQuerySerializer,
    CheckInSerializer,
)
from apps.checkins.models import CheckIn
from apps.checkins.selectors import access_checkin, checkins_visible_to

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


class CheckInListView(generics.ListAPIView):
    """Check-ins (GET: a patient their own, staff their patients'). The URL and the POST
    that sends one are apps.intake's (``apps.intake.api.views.CheckInListCreateView``)."""

    serializer_class = CheckInSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return CheckIn.objects.none()
        query = CheckInListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        checkins = checkins_visible_to(signed_in_user(self.request))
        if "patient" in params:
            checkins = checkins.filter(
                patient=access_patient(signed_in_user(self.request), params["patient"])
            )
        if "date_from" in params:
            checkins = checkins.filter(date__gte=params["date_from"])
        if "date_to" in params:
            checkins = checkins.filter(date__lte=params["date_to"])
        return checkins.order_by("-date", "patient_id", "id")

    @extend_schema(parameters=_list_parameters, tags=["checkins"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CheckInDetailView(generics.GenericAPIView):
    """One check-in (GET). The URL and the PATCH that corrects it are apps.intake's
    (``apps.intake.api.views.CheckInDetailView``)."""

    serializer_class = CheckInSerializer

    def get_object(self):
        return access_checkin(signed_in_user(self.request), self.kwargs["checkin_id"])

    @extend_schema(tags=["checkins"])
    def get(self, request: Request, checkin_id) -> Response:
        return Response(CheckInSerializer(self.get_object()).data)
