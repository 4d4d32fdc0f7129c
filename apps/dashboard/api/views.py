from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from apps.accounts.permissions import IsClinician
from apps.dashboard.api.serializers import PatientSummarySerializer, SummaryQuerySerializer
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
            user=self.request.user,
            ordering=query.validated_data.get("ordering"),
            filters=query.filters(),
            search=query.validated_data.get("search"),
        )

    @extend_schema(
        parameters=[SummaryQuerySerializer],
        tags=["dashboard"],
        summary="Patient summaries for the dashboard (page-numbered: ?page=, ?page_size=)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
