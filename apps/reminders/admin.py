"""Admin: reminder settings, schedules and deliveries, read-only.

Settings are the patient's choice (`PUT me/reminders/`, which recomputes the schedule through
`reminder_settings_update`); an edit here would leave the schedule stale. Schedules are the
engine's state and deliveries the record of what was sent or skipped."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.reminders.models import ReminderDelivery, ReminderSchedule, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["patient", "checkin_time", "exercise_time", "enabled", "updated_at"]
    list_filter = ["enabled"]
    list_select_related = ["patient__user"]


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["patient", "kind", "next_due_at", "local_date"]
    list_filter = ["kind"]
    list_select_related = ["patient__user"]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["patient", "kind", "local_date", "outcome", "reason", "created_at"]
    list_filter = ["kind", "outcome", "reason"]
    list_select_related = ["patient__user"]
    date_hierarchy = "local_date"
