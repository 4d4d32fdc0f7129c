from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsClinician, IsPatient
from apps.accounts.selectors import access_patient, patient_of_user
from apps.accounts.services import patient_erase_check_allowed
from apps.audit.api.serializers import (
    AccessLogEntrySerializer,
    EraseRequestSerializer,
    EraseResultSerializer,
)
from apps.audit.erasure import patient_erase
from apps.audit.models import AccessAction, AccessLogEntry
from apps.audit.selectors import access_log_for_patient
from apps.core import access_recorder as recorder


class MyAccessLogView(generics.ListAPIView):
    """Who among the staff looked at or changed my record, and when (newest first)."""

    permission_classes = [IsPatient]
    serializer_class = AccessLogEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return AccessLogEntry.objects.none()
        return access_log_for_patient(patient_of_user(self.request.user))

    @extend_schema(tags=["me"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PatientEraseView(APIView):
    """Erase a patient's whole record on their request (clinic admin of their clinic).

    Everything about the patient is deleted, their account included; the access log keeps
    that it happened, by whom, and row counts, never the erased content."""

    permission_classes = [IsClinician]

    @extend_schema(
        request=EraseRequestSerializer,
        responses={200: EraseResultSerializer},
        tags=["patients"],
    )
    def post(self, request: Request, patient_id) -> Response:
        patient = access_patient(request.user, patient_id)
        patient_erase_check_allowed(patient=patient, by=request.user)
        serializer = EraseRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recorder.set_action(AccessAction.ERASE)
        counts = patient_erase(
            patient=patient,
            by=request.user,
            confirmation=serializer.validated_data["confirmation"],
        )
        return Response({"erased": True, "patient": patient_id, "rows_deleted": counts})
