"""Clinic admins may view the clinical records added since 0003: questionnaires (responses
with their answers and scores, requests, per-episode schedules, and the instruments with
their score definitions), clinic assessments, treatments and imaging. Read only, scoped to
their clinic by ClinicScopedAdminMixin like every patient record.

Frozen here as added; apps.accounts.admin.CLINIC_ADMIN_PERMISSIONS is the current list and a
test checks that 0003 then this migration leave exactly that list."""

from django.db import migrations
from django.db.models import Q

GROUP = "Clinic admins"
ADDED = (
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


def _wanted() -> Q:
    wanted = Q(pk__in=[])
    for app_label, codename in ADDED:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return wanted


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=GROUP)
    group.permissions.add(*permission_model.objects.filter(_wanted()))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*apps.get_model("auth", "Permission").objects.filter(_wanted()))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_patient_phone"),
        ("outcomes", "0001_initial"),
        ("assessments", "0001_initial"),
        ("treatments", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
