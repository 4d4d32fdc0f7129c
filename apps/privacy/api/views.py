from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsClinician, signed_in_user
from apps.accounts.selectors import access_patient
from apps.accounts.services import patient_erase_check_allowed
from apps.audit.models import AccessAction
from apps.core import access_recorder as recorder
from apps.privacy.api.serializers import EraseRequestSerializer, EraseResultSerializer
from apps.privacy.erasure import patient_erase


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
        patient = access_patient(signed_in_user(request), patient_id)
        patient_erase_check_allowed(patient=patient, by=signed_in_user(request))
        serializer = EraseRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recorder.set_action(AccessAction.ERASE)
        counts = patient_erase(
            patient=patient,
            by=signed_in_user(request),
            confirmation=serializer.validated_data["confirmation"],
        )
        return Response({"erased": True, "patient": patient_id, "rows_deleted": counts})
