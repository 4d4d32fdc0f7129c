"""Accounts in the admin, and who sees what there.

The admin is scoped by clinic (apps.core.admin.ClinicScopedAdminMixin): this module gives the
mixin its rule, the same one the API uses (``patients_for_clinician``), and defines the
"Clinic admins" group, which holds the model permissions of clinic admins (they are staff,
never superusers)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.models import AuthToken

from apps.accounts.hooks import patient_phone_changed, patient_time_zone_changed
from apps.accounts.models import (
    CareTeam,
    CareTeamMembership,
    Clinic,
    EnrolmentCode,
    Patient,
    Role,
    User,
)
from apps.accounts.selectors import care_teams_for_clinician, patients_for_clinician
from apps.core.admin import (
    AdminScope,
    ClinicScopedAdminMixin,
    RequestUser,
    ScopedRelatedFieldListFilter,
    scoped_choices,
    set_admin_scope,
)


def clinics_for_clinician(user: User) -> QuerySet[Clinic]:
    """Clinics a staff user may see in the admin: a clinic admin, their clinic; a
    physiotherapist, the clinics of their care teams; a superuser, all."""
    if user.is_superuser:
        return Clinic.objects.all()
    if user.role == Role.CLINIC_ADMIN and user.clinic_id:
        return Clinic.objects.filter(pk=user.clinic_id)
    return Clinic.objects.filter(pk__in=care_teams_for_clinician(user).values("clinic_id"))


def _patients_in_scope(user: RequestUser) -> QuerySet[Patient]:
    # The admin's users are signed-in staff (a User); anyone else sees nothing.
    return patients_for_clinician(user) if isinstance(user, User) else Patient.objects.none()


def _clinics_in_scope(user: RequestUser) -> QuerySet[Clinic]:
    return clinics_for_clinician(user) if isinstance(user, User) else Clinic.objects.none()


set_admin_scope(AdminScope(patients=_patients_in_scope, clinics=_clinics_in_scope))

CLINIC_ADMIN_GROUP = "Clinic admins"
#: The model permissions of the "Clinic admins" group (app label, codename): read every
#: patient record of their clinic, act on flags (the flag actions), keep the clinic's care
#: teams and the exercise library. Users, patients and the clinical history are written
#: through the API and the dashboard, not here. Migration accounts/0003 creates the group
#: and accounts/0006 adds the clinical records' view permissions; `clinic_admin_group()`
#: brings an existing group up to date.
CLINIC_ADMIN_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("accounts", "view_user"),
    ("accounts", "view_clinic"),
    ("accounts", "view_careteam"),
    ("accounts", "add_careteam"),
    ("accounts", "change_careteam"),
    ("accounts", "view_careteammembership"),
    ("accounts", "add_careteammembership"),
    ("accounts", "change_careteammembership"),
    ("accounts", "delete_careteammembership"),
    ("accounts", "view_patient"),
    ("accounts", "view_enrolmentcode"),
    ("consent", "view_consentdocument"),
    ("consent", "view_consentacceptance"),
    ("episodes", "view_episode"),
    ("checkins", "view_checkin"),
    ("exercises", "view_exercise"),
    ("exercises", "add_exercise"),
    ("exercises", "change_exercise"),
    ("exercises", "view_exerciseplan"),
    ("exercises", "view_planitem"),
    ("exercises", "view_exercisesession"),
    ("flags", "view_flag"),
    ("flags", "change_flag"),
    ("flags", "view_evaluation"),
    ("notifications", "view_device"),
    ("notifications", "view_notification"),
    ("notifications", "view_deliveryattempt"),
    ("reminders", "view_remindersettings"),
    ("reminders", "view_reminderschedule"),
    ("reminders", "view_reminderdelivery"),
    ("audit", "view_accesslogentry"),
    # accounts/0006: the clinical records (questionnaires, assessments, treatments, imaging).
    ("outcomes", "view_instrument"),
    ("outcomes", "view_scoredefinition"),
    ("outcomes", "view_questionnaireresponse"),
    ("outcomes", "view_answer"),
    ("outcomes", "view_score"),
    ("outcomes", "view_questionnairerequest"),
    ("outcomes", "view_questionnaireschedule"),
    ("assessments", "view_assessment"),
    ("treatments", "view_treatment"),
    ("treatments", "view_imagingstudy"),
)


def clinic_admin_permissions(
    permission_model: type[Permission] = Permission,
) -> QuerySet[Permission]:
    wanted = Q(pk__in=[])
    for app_label, codename in CLINIC_ADMIN_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return permission_model.objects.filter(wanted)


def clinic_admin_group() -> Group:
    """The "Clinic admins" group with exactly CLINIC_ADMIN_PERMISSIONS (idempotent)."""
    group, _ = Group.objects.get_or_create(name=CLINIC_ADMIN_GROUP)
    group.permissions.set(clinic_admin_permissions())
    return group


#: What only a superuser may change about a user (the admin's own privileges).
PRIVILEGE_FIELDS = ["is_superuser", "is_staff", "groups", "user_permissions", "role", "clinic"]


@admin.register(User)
class UserAdmin(ClinicScopedAdminMixin, DjangoUserAdmin):
    # A patient's user through their record; staff through their clinic.
    patient_path = "patient"
    clinic_path = "clinic"
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

    def get_readonly_fields(self, request, obj=None):
        declared = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser or obj is None:
            return declared
        return declared + [name for name in PRIVILEGE_FIELDS if name not in declared]


class CareTeamMembershipInline(ClinicScopedAdminMixin, admin.TabularInline):
    clinic_path = "care_team__clinic"
    model = CareTeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdminMixin, admin.ModelAdmin):
    clinic_path = "pk"
    list_display = ["name", "timezone", "created_at"]
    search_fields = ["name"]


@admin.register(CareTeam)
class CareTeamAdmin(ClinicScopedAdminMixin, admin.ModelAdmin):
    clinic_path = "clinic"
    list_display = ["name", "clinic", "created_at"]
    list_filter = ["clinic"]
    list_select_related = ["clinic"]
    search_fields = ["name", "clinic__name"]
    inlines = [CareTeamMembershipInline]


class CareTeamListFilter(ScopedRelatedFieldListFilter):
    """The care-team filter: the teams the user may see, read with their clinics in one query
    (a care team's name includes its clinic's)."""

    def field_choices(self, field, request, model_admin):
        teams = scoped_choices(model_admin.admin_site, CareTeam, request)
        if teams is None:
            teams = CareTeam.objects.all()
        teams = teams.select_related("clinic").order_by("clinic__name", "name")
        return [(team.pk, str(team)) for team in teams]


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdminMixin, admin.ModelAdmin):
    patient_path = "pk"
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

    def save_model(self, request, obj: Patient, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "phone" in form.changed_data:
            # The one stored number: SMS goes to it (as ``patient_update_profile`` does).
            patient_phone_changed.fire(obj)
        if change and "timezone" in form.changed_data:
            # Reminders are local wall-clock times and patient days are local dates: what
            # follows the zone follows it from the admin too (as ``patient_update_profile``).
            patient_time_zone_changed.fire(obj)


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ClinicScopedAdminMixin, admin.ModelAdmin):
    """Codes are shown only once, at enrolment; here only their state is visible."""

    patient_path = "patient"

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
class AuthTokenAdmin(ClinicScopedAdminMixin, KnoxAuthTokenAdmin):  # type: ignore[misc]  # knox ships no types
    patient_path = "user__patient"
    clinic_path = "user__clinic"
    list_select_related = ["user"]
