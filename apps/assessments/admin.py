"""Admin: assessments are clinical records, shown read-only and scoped to the clinic."""

from __future__ import annotations

from django.contrib import admin

from apps.assessments.models import Assessment
from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin


@admin.register(Assessment)
class AssessmentAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["id", "episode", "date", "test", "side", "movement", "value", "method"]
    list_select_related = ["episode"]
    list_filter = ["test", "date"]
    search_fields = ["id", "episode__id"]
    date_hierarchy = "date"
