"""The "Clinic admins" group: the model permissions of clinic admins in the admin (they are
staff of one clinic, never superusers; what they see is scoped by ClinicScopedAdminMixin).

The list is frozen here as it was when the group was introduced; apps.accounts.admin
(CLINIC_ADMIN_PERMISSIONS, clinic_admin_group()) is the current one, and a test checks that
this migration leaves exactly that list."""

from django.db import migrations
from django.db.models import Q

GROUP = "Clinic admins"
PERMISSIONS = (
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
)


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run; this group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    wanted = Q(pk__in=[])
    for app_label, codename in PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group, _ = group_model.objects.get_or_create(name=GROUP)
    group.permissions.set(permission_model.objects.filter(wanted))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_device_tokens_expire"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("consent", "0001_initial"),
        ("episodes", "0001_initial"),
        ("checkins", "0001_initial"),
        ("exercises", "0001_initial"),
        ("flags", "0001_initial"),
        ("notifications", "0001_initial"),
        ("reminders", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
