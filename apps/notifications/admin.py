from __future__ import annotations

from django.contrib import admin

from apps.notifications.models import DeliveryAttempt, Device, Notification


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "platform", "is_active", "created_at"]
    list_filter = ["platform", "is_active"]
    readonly_fields = ["token"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["channel", "device", "outcome", "error", "duration_ms", "attempted_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "recipient", "priority", "status", "scheduled_for", "sent_at"]
    list_filter = ["status", "priority", "kind"]
    inlines = [DeliveryAttemptInline]
    readonly_fields = [field.name for field in Notification._meta.fields]
