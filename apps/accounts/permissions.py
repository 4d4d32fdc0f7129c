from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.accounts.models import Role, User


def signed_in_user(request: HttpRequest | Request) -> User:
    """The signed-in user of a request that a view's permission (IsAuthenticated, IsPatient,
    login_required, ...) let through: typed as our User, never AnonymousUser. A view without
    such a permission never calls it; if one did, the caller gets a 403, never a 500."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


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
