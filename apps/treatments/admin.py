"""Admin: treatments and imaging are clinical records, shown read-only and scoped to the
clinic (they are written through the API and the dashboard so that weight-bearing phases
follow each other and the flag engine re-evaluates)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.treatments.models import ImagingStudy, Treatment


@admin.register(Treatment)
class TreatmentAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["id", "episode", "kind", "starts_on", "ends_on"]
    list_select_related = ["episode"]
    list_filter = ["kind", "starts_on"]
    search_fields = ["id", "episode__id"]
    date_hierarchy = "starts_on"


@admin.register(ImagingStudy)
class ImagingStudyAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["id", "episode", "date", "modality", "side", "bone_marrow_edema"]
    list_select_related = ["episode"]
    list_filter = ["modality", "date"]
    search_fields = ["id", "episode__id"]
    date_hierarchy = "date"
