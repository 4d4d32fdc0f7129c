"""`GET cohort/outcomes.csv`: the cohort's questionnaire scores (apps.privacy.csv_outcomes),
with the same access, throttle and errors as `GET cohort/export.csv`."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request

from apps.accounts.permissions import signed_in_user
from apps.audit.models import AccessAction
from apps.core import access_recorder as recorder
from apps.privacy.api.exports import CohortExportView, CohortQuerySerializer
from apps.privacy.csv_outcomes import outcome_rows


class CohortOutcomesExportView(CohortExportView):
    """Every questionnaire score of the patients in your care as CSV, one row per score."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First local date."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last local date."),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        tags=["patients"],
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        params = {
            key: request.query_params[key] for key in ("from", "to") if key in request.query_params
        }
        query = CohortQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        recorder.set_action(AccessAction.EXPORT)
        lines = outcome_rows(
            user=signed_in_user(request),
            date_from=query.validated_data.get("date_from"),
            date_to=query.validated_data.get("date_to"),
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="outcomes-{stamp}.csv"'
        return response
