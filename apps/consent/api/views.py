from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsPatient, signed_in_user
from apps.accounts.selectors import patient_of_user
from apps.consent import services
from apps.consent.api.serializers import (
    ConsentActionSerializer,
    ConsentDocumentSerializer,
    MyConsentSerializer,
)
from apps.consent.selectors import ConsentState, consent_of, current_document, document_text
from apps.core.exceptions import Conflict


def _body(patient) -> dict:
    consent = consent_of(patient)
    document = current_document()
    accepted_current = (
        consent.state == ConsentState.ACCEPTED
        and document is not None
        and consent.document is not None
        and consent.document.pk == document.pk
    )
    return {
        "state": consent.state,
        "current_document": document_text(document) if document is not None else None,
        "accepted_version": consent.document.version if consent.document else None,
        "accepted_at": consent.accepted_at,
        "withdrawn_at": consent.withdrawn_at,
        "needs_acceptance": document is not None and not accepted_current,
    }


class MyConsentView(APIView):
    """See the consent document and your decision (GET); accept or withdraw it (POST)."""

    permission_classes = [IsPatient]

    @extend_schema(responses={200: MyConsentSerializer}, tags=["me"])
    def get(self, request: Request) -> Response:
        return Response(MyConsentSerializer(_body(patient_of_user(signed_in_user(request)))).data)

    @extend_schema(
        request=ConsentActionSerializer, responses={200: MyConsentSerializer}, tags=["me"]
    )
    def post(self, request: Request) -> Response:
        serializer = ConsentActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient = patient_of_user(signed_in_user(request))
        if serializer.validated_data["action"] == "accept":
            services.consent_accept(
                patient=patient, version=serializer.validated_data.get("version")
            )
        else:
            services.consent_withdraw(patient=patient)
        return Response(MyConsentSerializer(_body(patient)).data)


class CurrentConsentDocumentView(APIView):
    """The consent document a new patient reads and accepts at enrolment (no sign-in)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: ConsentDocumentSerializer,
            409: OpenApiResponse(
                description="No consent document is published yet (`no_consent_document`)."
            ),
        },
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        document = current_document()
        if document is None:
            raise Conflict(_("No consent document is published yet."), code="no_consent_document")
        return Response(ConsentDocumentSerializer(document_text(document)).data)
