"""Admin pieces shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.admin.options import _ListFilterT
    from django.db.models.fields.related import RelatedField

    # What the mixins below are mixed into (an admin or an inline of any model: the base's
    # own model parameter), for the type checker alone: at run time they are plain classes,
    # so each admin keeps its own base.
    _ModelAdminBase = admin.ModelAdmin[Any]
    _AnyAdminBase = admin.options.BaseModelAdmin[Any]
else:
    _ModelAdminBase = _AnyAdminBase = object

#: The user of an admin request (``request.user``).
RequestUser = AbstractBaseUser | AnonymousUser


class ReadOnlyAdminMixin(_AnyAdminBase):
    """Clinical history and logs are shown, never written, in the admin: no add, change or
    delete, for model admins and inlines alike (the view permission still shows them)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # An admin's own list decides what its page shows; without one, every field.
        declared = list(super().get_readonly_fields(request, obj))
        return declared or [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Scoping by clinic ----------------------------------------------------------------------


@dataclass(frozen=True)
class AdminScope:
    """Who may see what in the admin, given by apps.accounts (which knows users, clinics and
    patients; apps.core sits below it and cannot import it): ``patients(user)`` is the
    QuerySet of patients ``user`` may see, ``clinics(user)`` the QuerySet of their clinics."""

    patients: Callable[[RequestUser], QuerySet[Model]]
    clinics: Callable[[RequestUser], QuerySet[Model]]


_scope: AdminScope | None = None


def set_admin_scope(scope: AdminScope) -> None:
    """Called once by apps.accounts.admin (loaded by the admin's autodiscovery)."""
    global _scope  # noqa: PLW0603 - one registry, set at start-up
    _scope = scope


def _not_registered(user: RequestUser) -> QuerySet[Model]:  # pragma: no cover - before registration
    raise ImproperlyConfigured("apps.accounts.admin has not registered the admin scope.")


class ClinicScopedAdminMixin(_ModelAdminBase):
    """Limits an admin page to the signed-in staff user's clinic; a superuser sees all.

    Declare where a row's patient and/or clinic is, as ORM paths from the model:
    ``patient_path`` (to a Patient, e.g. ``"patient"``, ``"episode__patient"``, ``"pk"`` for
    Patient itself, or a plain patient-id column like ``"patient_id"``) and ``clinic_path``
    (to a Clinic, e.g. ``"care_team__clinic"``). A row is shown if either leads to what the
    user may see: patients from ``apps.accounts.selectors.patients_for_clinician`` (a clinic
    admin: every patient of their clinic; a physiotherapist: their care teams'), clinics
    likewise. An admin declaring neither shows nothing to anyone but superusers.

    Everything the admin derives from ``get_queryset`` follows: the change list, search,
    date hierarchy, facets, actions (they act on the list's queryset), the change, delete and
    history pages (an object outside the scope is "not found": Django redirects to the index),
    and the autocomplete of fields pointing here. Foreign-key and many-to-many choices in
    forms (dropdowns, raw-id and autocomplete validation) pointing to a scoped admin's model
    are limited to that admin's queryset, and so are related-field list filters."""

    patient_path: str | None = None
    clinic_path: str | None = None

    def scope_filter(self, request: HttpRequest) -> Q | None:
        """The rows ``request.user`` may see, as a Q; None for everything (superusers)."""
        user = request.user
        if user.is_active and user.is_superuser:
            return None
        scope = _scope or AdminScope(_not_registered, _not_registered)
        allowed = Q(pk__in=[])
        if self.patient_path:
            allowed |= Q(**{f"{self.patient_path}__in": scope.patients(user).values("pk")})
        if self.clinic_path:
            allowed |= Q(**{f"{self.clinic_path}__in": scope.clinics(user).values("pk")})
        return allowed

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        allowed = self.scope_filter(request)
        return queryset if allowed is None else queryset.filter(allowed)

    def get_field_queryset(
        self, db: str | None, db_field: RelatedField[Any, Any], request: HttpRequest
    ) -> QuerySet[Any] | None:
        # Form choices (foreign keys and many-to-many) pointing to a scoped model.
        queryset = super().get_field_queryset(db, db_field, request)
        return scoped_choices(self.admin_site, db_field.remote_field.model, request, queryset)

    def get_list_filter(self, request: HttpRequest) -> list[_ListFilterT]:
        # A plain related field in list_filter lists only the choices in scope.
        filters: list[_ListFilterT] = []
        for spec in super().get_list_filter(request):
            if isinstance(spec, str) and _is_relation(self.model, spec):
                spec = (spec, ScopedRelatedFieldListFilter)
            filters.append(spec)
        return filters


def scoped_choices(
    admin_site: admin.AdminSite,
    model: type[Model],
    request: HttpRequest,
    queryset: QuerySet[Any] | None = None,
) -> QuerySet[Any] | None:
    """``queryset`` (or all of ``model``) limited to what ``model``'s admin shows the user,
    when that admin is scoped by clinic; unchanged otherwise."""
    related_admin = admin_site._registry.get(model)
    if not isinstance(related_admin, ClinicScopedAdminMixin):
        return queryset
    allowed = related_admin.scope_filter(request)
    if allowed is None:
        return queryset
    base = queryset if queryset is not None else model._default_manager.all()
    return base.filter(pk__in=related_admin.get_queryset(request).values("pk"))


def _is_relation(model: type[Model], path: str) -> bool:
    try:
        return get_fields_from_path(model, path)[-1].is_relation
    except (FieldDoesNotExist, NotRelationField):
        return False


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-field filter whose choices are only the related rows the user may see."""

    def field_choices(self, field, request, model_admin):
        choices = scoped_choices(model_admin.admin_site, field.related_model, request)
        if choices is None:
            return super().field_choices(field, request, model_admin)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to={"pk__in": choices}
        )
