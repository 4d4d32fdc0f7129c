"""The access log in the admin: readable and searchable, never added to, changed or deleted."""

from __future__ import annotations

from django.contrib import admin

from apps.audit.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "actor_name",
        "actor_role",
        "action",
        "view_name",
        "method",
        "patient_id",
        "outcome",
        "source_ip",
    ]
    list_filter = ["action", "actor_role", "outcome"]
    search_fields = ["=patient_id", "=actor_id", "=request_id", "actor_name", "view_name"]
    date_hierarchy = "at"
    ordering = ["-at"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
