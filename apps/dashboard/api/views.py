from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.permissions import IsClinician, signed_in_user
from apps.accounts.selectors import access_patient
from apps.dashboard.api.serializers import (
    PatientSummarySerializer,
    SummaryQuerySerializer,
    TimelineQuerySerializer,
    TimelineSerializer,
)
from apps.dashboard.api.timeline_rendering import timeline_body
from apps.dashboard.course_by_date import (
    DEFAULT_DAYS,
    MAX_DAYS,
    default_range,
    patient_course_by_date,
)
from apps.dashboard.row_scores import with_latest_scores
from apps.dashboard.selectors import patient_summaries


class PatientSummaryListView(generics.ListAPIView):
    """One row per patient in the caller's care with the dashboard's summary columns."""

    permission_classes = [IsClinician]
    serializer_class = PatientSummarySerializer
    filter_backends: list = []

    def get_queryset(self):
        # A plain dict: DRF reads an absent boolean in a QueryDict as "false".
        query = SummaryQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return patient_summaries(
            user=signed_in_user(self.request),
            ordering=query.validated_data.get("ordering"),
            filters=query.filters(),
            search=query.validated_data.get("search"),
            status=query.validated_data.get("status", "all"),
            row_fields_only=True,  # PatientSummarySerializer reads no other field
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else with_latest_scores(page)

    @extend_schema(
        parameters=[SummaryQuerySerializer],
        tags=["dashboard"],
        summary="Patient summaries for the dashboard (page-numbered: ?page=, ?page_size=)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TimelineView(generics.GenericAPIView):
    """One entry per local date of the patient: check-in, sessions done and prescribed,
    flags opened, assessments measured, treatments in force and imaging. For the care team
    and for the patient themself."""

    # The course read model (apps.dashboard.course_by_date), as the web patient page reads it.

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
        patient = access_patient(signed_in_user(request), patient_id)
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        _default_from, default_to = default_range(patient)
        date_to = query.validated_data.get("date_to", default_to)
        date_from = query.validated_data.get(
            "date_from", date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
        )
        if date_from > date_to:
            raise ValidationError({"from": ["Must not be after `to`."]})
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise ValidationError({"from": [f"At most {MAX_DAYS} days per request."]})
        course = patient_course_by_date(patient=patient, date_from=date_from, date_to=date_to)
        # TimelineSerializer's data, rendered without walking its fields per value (a year is
        # ~10,000 of them): apps.dashboard.api.timeline_rendering, proven equal in tests.
        return Response(
            timeline_body(
                patient_id=patient.id, date_from=date_from, date_to=date_to, days=course.days
            )
        )
