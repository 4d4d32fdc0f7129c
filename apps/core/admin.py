"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Clinical history and logs are shown, never written, in the admin: no add, change or
    delete, for model admins and inlines alike (the view permission still shows them)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # An admin's own list decides what its page shows; without one, every field.
        declared = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return declared or [field.name for field in self.model._meta.fields]  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
