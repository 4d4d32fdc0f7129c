"""The access log in the admin: readable and searchable, never added to, changed or deleted."""

from __future__ import annotations

from django.contrib import admin

from apps.audit.models import AccessLogEntry
from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient_id"  # a plain column: the log has no foreign keys
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
