"""Admin: the exercise library is edited here; plans and sessions are clinical records,
shown read-only (plans are prescribed through the API so that supersession and the flag
re-evaluation always happen)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin

from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.episodes.admin import register_episode_inline
from apps.exercises.models import Exercise, ExercisePlan, ExerciseSession, PlanItem


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "default_sets",
        "default_reps",
        "default_hold_seconds",
        "is_active",
    ]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "slug", "instructions"]
    prepopulated_fields = {"slug": ["name"]}


class PlanItemInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "plan__episode__patient"
    model = PlanItem
    extra = 0
    fields: ClassVar[tuple[str, ...]] = (
        "position",
        "exercise",
        "sets",
        "reps",
        "hold_seconds",
        "days_per_week",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("exercise")


@admin.register(ExercisePlan)
class ExercisePlanAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "episode__patient"
    list_display = [
        "id",
        "episode",
        "starts_on",
        "ends_on",
        "effective_ends_on",
        "prescribed_by",
        "created_at",
    ]
    list_select_related = ["episode", "prescribed_by"]
    list_filter = ["starts_on"]
    search_fields = ["id", "episode__id"]
    date_hierarchy = "starts_on"
    inlines = [PlanItemInline]
    readonly_fields = [
        "episode",
        "starts_on",
        "ends_on",
        "effective_ends_on",
        "superseded_by",
        "prescribed_by",
        "created_at",
    ]


@admin.register(ExerciseSession)
class ExerciseSessionAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["id", "date", "patient", "plan_item", "sets_done", "pain_during", "received_at"]
    list_select_related = ["patient__user", "plan_item__exercise"]
    list_filter = ["date"]
    search_fields = ["id", "client_id", "patient__id"]
    date_hierarchy = "date"
    readonly_fields = [
        "patient",
        "episode",
        "plan_item",
        "client_id",
        "date",
        "sets_done",
        "pain_during",
        "recorded_at",
        "received_at",
    ]


# An episode's plans, on the episode's admin page (apps.episodes does not import us).
class ExercisePlanInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "episode__patient"
    model = ExercisePlan
    fk_name = "episode"
    extra = 0
    show_change_link = True
    fields: ClassVar[tuple[str, ...]] = (
        "starts_on",
        "ends_on",
        "effective_ends_on",
        "prescribed_by",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("prescribed_by")


register_episode_inline(ExercisePlanInline, position=20)
