"""Admin: an episode with its check-ins and exercise plans inline. The clinical history is
read-only here: it is written through the API, so that validation, idempotency and the flag
re-evaluation (`episode_record_changed`) always happen."""

from __future__ import annotations

from django.contrib import admin

from apps.checkins.models import CheckIn
from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.episodes.models import Episode
from apps.exercises.models import ExercisePlan


class CheckInInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "patient"
    model = CheckIn
    extra = 0
    ordering = ["-date"]
    show_change_link = True
    fields = [
        "date",
        "pain_now",
        "pain_worst_24h",
        "pain_weight_bearing",
        "morning_stiffness_minutes",
        "weight_bearing",
        "walking_aid",
        "limping",
        "night_or_rest_pain",
        "sleep_disturbed",
        "daily_activities_affected",
        "painful_sides",
        "red_flags",
        "steps",
        "recorded_at",
        "received_at",
    ]
    readonly_fields = fields


class ExercisePlanInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "episode__patient"
    model = ExercisePlan
    fk_name = "episode"
    extra = 0
    show_change_link = True
    fields = ["starts_on", "ends_on", "effective_ends_on", "prescribed_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("prescribed_by")


@admin.register(Episode)
class EpisodeAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = [
        "id",
        "patient",
        "affected_side",
        "symptom_onset_date",
        "status",
        "resolved_on",
        "created_at",
    ]
    list_filter = ["status", "affected_side", "diagnosis_method", "pregnancy_associated"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__last_name"]
    date_hierarchy = "symptom_onset_date"
    readonly_fields = [
        "id",
        "patient",
        "client_id",
        "affected_side",
        "symptom_onset_date",
        "diagnosis_date",
        "diagnosis_method",
        "pregnancy_associated",
        "home_treatment_started_on",
        "status",
        "resolved_on",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [CheckInInline, ExercisePlanInline]
