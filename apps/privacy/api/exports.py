"""Exports: a patient's record as FHIR (the patient, the care team) and the cohort CSV.

Both are streamed (written as they are read, constant memory) and share one throttle per user,
scope ``exports`` (``THROTTLE_EXPORT_RATE``): a heavy read cannot be repeated fast enough to
keep the web workers busy. Over the rate: 429 in the error shape with ``Retry-After``."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from apps.accounts.permissions import IsClinician, IsPatient, signed_in_user
from apps.accounts.selectors import access_patient, patient_of_user
from apps.audit.models import AccessAction
from apps.core import access_recorder as recorder
from apps.core.bounds import DateRangeQuerySerializer
from apps.core.throttling import WriteRateThrottle
from apps.privacy.exports import cohort_rows
from apps.privacy.exports_course import course_rows
from apps.privacy.fhir import patient_bundle_json

FHIR_CONTENT_TYPE = "application/json"


class ExportThrottled:
    """Mixin: the ``exports`` throttle (per user) besides the default write throttle."""

    throttle_classes: Sequence[type[BaseThrottle]] = [WriteRateThrottle, ScopedRateThrottle]
    throttle_scope = "exports"


def fhir_response(patient) -> StreamingHttpResponse:
    return StreamingHttpResponse(patient_bundle_json(patient), content_type=FHIR_CONTENT_TYPE)


FHIR_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description=(
        "A FHIR R4 Bundle (type collection): Patient, a Condition per episode, an Observation "
        "per check-in value (LOINC 72514-3 pain, 41950-7 steps; local codes for the rest, "
        "docs/trust.md), CarePlans, a Procedure per exercise session, Flags."
    ),
)


class MyExportView(ExportThrottled, APIView):
    """Download my whole record as a FHIR R4 Bundle (JSON, streamed). Throttled per user
    (``THROTTLE_EXPORT_RATE``)."""

    permission_classes = [IsPatient]

    @extend_schema(responses={200: FHIR_RESPONSE}, tags=["me"])
    def get(self, request: Request) -> StreamingHttpResponse:
        return fhir_response(patient_of_user(signed_in_user(request)))


class PatientExportView(ExportThrottled, APIView):
    """A patient's whole record as a FHIR R4 Bundle (their care team; JSON, streamed).
    Throttled per user (``THROTTLE_EXPORT_RATE``)."""

    permission_classes = [IsClinician]

    @extend_schema(responses={200: FHIR_RESPONSE}, tags=["patients"])
    def get(self, request: Request, patient_id) -> StreamingHttpResponse:
        patient = access_patient(signed_in_user(request), patient_id)
        recorder.set_action(AccessAction.EXPORT)
        return fhir_response(patient)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CohortQuerySerializer(DateRangeQuerySerializer):
    """`?from=&to=` (validated_data: `date_from`, `date_to`); errors under `from`/`to`."""


class CohortExportView(ExportThrottled, APIView):
    """Every check-in of the patients in your care as CSV, one row per check-in, streamed.

    Physiotherapists get their care teams' patients, clinic admins their clinic's. No limit on
    the date range. Throttled per user (``THROTTLE_EXPORT_RATE``)."""

    permission_classes = [IsClinician]
    renderer_classes = [JSONRenderer, CSVRenderer]
    rows = staticmethod(cohort_rows)
    filename = "cohort"

    def handle_exception(self, exc):
        # Errors are JSON whatever the client asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First local date."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last local date."),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        tags=["patients"],
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = CohortQuerySerializer(
            data={
                key: value
                for key, value in (
                    ("from", request.query_params.get("from")),
                    ("to", request.query_params.get("to")),
                )
                if value is not None
            }
        )
        query.is_valid(raise_exception=True)
        recorder.set_action(AccessAction.EXPORT)
        lines = self.rows(
            user=signed_in_user(request),
            date_from=query.validated_data.get("date_from"),
            date_to=query.validated_data.get("date_to"),
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="{self.filename}-{stamp}.csv"'
        return response


class CohortCourseExportView(CohortExportView):
    """The clinical course of the patients in your care as CSV: one row per assessment,
    treatment and imaging result, streamed (apps.privacy.exports_course). Same access, range
    and throttle as `cohort/export.csv`."""

    rows = staticmethod(course_rows)
    filename = "cohort-course"
