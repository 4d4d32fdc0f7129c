from __future__ import annotations

from django.contrib import admin

from apps.reminders.models import ReminderDelivery, ReminderSchedule, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["patient", "checkin_time", "exercise_time", "enabled", "updated_at"]


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "next_due_at", "local_date"]
    list_filter = ["kind"]


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "local_date", "outcome", "reason", "created_at"]
    list_filter = ["kind", "outcome", "reason"]
    readonly_fields = [field.name for field in ReminderDelivery._meta.fields]
