"""Admin: check-ins are clinical history, shown read-only (written through the API)."""

from __future__ import annotations

from django.contrib import admin

from apps.checkins.models import CheckIn


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["date", "patient", "pain_now", "pain_worst_24h", "walking_aid", "received_at"]
    list_filter = ["weight_bearing", "walking_aid"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__last_name"]
    date_hierarchy = "date"
    ordering = ["-date"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
