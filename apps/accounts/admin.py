from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.models import AuthToken

from apps.accounts.models import (
    CareTeam,
    CareTeamMembership,
    Clinic,
    EnrolmentCode,
    Patient,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "clinic", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "clinic"]
    list_select_related = ["clinic"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "role", "clinic")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "role", "clinic"),
            },
        ),
        ("Password", {"fields": ("password1", "password2")}),
    )


class CareTeamMembershipInline(admin.TabularInline):
    model = CareTeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "created_at"]
    search_fields = ["name"]


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "clinic", "created_at"]
    list_filter = ["clinic"]
    list_select_related = ["clinic"]
    search_fields = ["name", "clinic__name"]
    inlines = [CareTeamMembershipInline]


class CareTeamListFilter(admin.RelatedFieldListFilter):
    """The care-team filter, its choices read with their clinics in one query (a care team's
    name includes its clinic's)."""

    def field_choices(self, field, request, model_admin):
        teams = CareTeam.objects.select_related("clinic").order_by("clinic__name", "name")
        return [(team.pk, str(team)) for team in teams]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "user",
        "care_team",
        "sex",
        "timezone",
        "enrolled_at",
        "activated_at",
    ]
    list_filter = ["care_team__clinic", ("care_team", CareTeamListFilter), "sex", "timezone"]
    list_select_related = ["user", "care_team__clinic"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "enrolled_by"]
    raw_id_fields = ["care_team"]
    readonly_fields = ["enrolled_at", "activated_at"]


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    """Codes are shown only once, at enrolment; here only their state is visible."""

    list_display = ["patient", "created_at", "expires_at", "used_at", "created_by"]
    list_filter = ["used_at"]
    list_select_related = ["patient__user", "created_by"]
    search_fields = ["patient__user__email"]
    readonly_fields = ["patient", "code_hash", "created_by", "created_at", "expires_at", "used_at"]

    def has_add_permission(self, request) -> bool:
        return False


# django-rest-knox registers its token admin without list_select_related: the list would read
# each token's user in a query of its own. Same admin, one query for the page.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(KnoxAuthTokenAdmin):
    list_select_related = ["user"]
