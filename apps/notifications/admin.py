"""Admin: devices, and notifications with their delivery log. Notifications and delivery
attempts are a record of what was sent: read-only here (they are written by `notify` and the
delivery task, which keep the dedup key, the daily budget and the log consistent)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.notifications.models import DeliveryAttempt, Device, Notification


@admin.register(Device)
class DeviceAdmin(ClinicScopedAdminMixin, admin.ModelAdmin):
    # A patient's phone, or a staff member's (through their clinic).
    patient_path = "user__patient"
    clinic_path = "user__clinic"
    list_display = ["id", "user", "platform", "is_active", "created_at"]
    list_filter = ["platform", "is_active"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__email"]
    readonly_fields = ["user", "platform", "token", "disabled_at", "disabled_reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A device exists because a phone registered its token (`device_register`).
        return False


class DeliveryAttemptInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "notification__recipient__patient"
    clinic_path = "notification__recipient__clinic"
    model = DeliveryAttempt
    extra = 0
    fields: ClassVar[tuple[str, ...]] = (
        "channel",
        "device",
        "outcome",
        "error",
        "duration_ms",
        "attempted_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("device")


@admin.register(Notification)
class NotificationAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # To a patient, or to staff (through their clinic).
    patient_path = "recipient__patient"
    clinic_path = "recipient__clinic"
    list_display = ["id", "kind", "recipient", "priority", "status", "scheduled_for", "sent_at"]
    list_filter = ["status", "priority", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["=id", "kind", "recipient__email"]
    date_hierarchy = "scheduled_for"
    inlines = [DeliveryAttemptInline]
    readonly_fields = [field.name for field in Notification._meta.fields]
