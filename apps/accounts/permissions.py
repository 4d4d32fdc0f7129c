from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from apps.accounts.models import Role


class IsPatient(BasePermission):
    message = gettext_lazy("Only patients can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.PATIENT)


class IsClinician(BasePermission):
    """Physiotherapists, clinic admins and superusers."""

    message = gettext_lazy("Only clinic staff can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_clinician)


class IsPhysiotherapist(BasePermission):
    message = gettext_lazy("Only physiotherapists can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.role == Role.PHYSIOTHERAPIST or user.is_superuser)
        )
