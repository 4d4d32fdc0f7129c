"""Admin: check-ins are clinical history, shown read-only (written through the API)."""

from __future__ import annotations

from django.contrib import admin

from apps.checkins.models import CheckIn
from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin


@admin.register(CheckIn)
class CheckInAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["date", "patient", "pain_now", "pain_worst_24h", "walking_aid", "received_at"]
    list_filter = ["weight_bearing", "walking_aid"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__last_name"]
    date_hierarchy = "date"
    ordering = ["-date"]
