from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from apps.accounts.permissions import IsPatient, signed_in_user
from apps.accounts.selectors import patient_of_user
from apps.audit.api.serializers import AccessLogEntrySerializer
from apps.audit.models import AccessLogEntry
from apps.audit.selectors import access_log_for_patient


class MyAccessLogView(generics.ListAPIView):
    """Who among the staff looked at or changed my record, and when (newest first)."""

    permission_classes = [IsPatient]
    serializer_class = AccessLogEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return AccessLogEntry.objects.none()
        return access_log_for_patient(patient_of_user(signed_in_user(self.request)))

    @extend_schema(tags=["me"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
