"""Admin: check-ins are clinical history, shown read-only (written through the API)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin

from apps.checkins.models import CheckIn
from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.episodes.admin import register_episode_inline


@admin.register(CheckIn)
class CheckInAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["date", "patient", "pain_now", "pain_worst_24h", "walking_aid", "received_at"]
    list_filter = ["weight_bearing", "walking_aid"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__last_name"]
    date_hierarchy = "date"
    ordering = ["-date"]


# An episode's check-ins, on the episode's admin page (apps.episodes does not import us).
class CheckInInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "patient"
    model = CheckIn
    extra = 0
    ordering = ["-date"]
    show_change_link = True
    fields: ClassVar[tuple[str, ...]] = (
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
    )
    readonly_fields = fields


register_episode_inline(CheckInInline, position=10)
