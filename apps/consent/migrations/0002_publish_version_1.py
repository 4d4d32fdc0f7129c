"""Publish version 1 of the consent document patients accept at enrolment."""

import datetime as dt

from django.db import migrations

TITLE = "Sharing your recovery data with your care team"

TEXT = """\
TOH Recovery helps you and your physiotherapy care team follow your recovery from transient
osteoporosis of the hip.

What we collect. While your consent is in force, the app stores what you enter: daily
check-ins (pain scores, stiffness, sleep, walking, steps, symptoms, notes), your exercise
sessions, details of your episode (affected side, dates, whether it is linked to pregnancy),
and your reminder settings and devices.

Who sees it. The physiotherapists of your care team and the administrators of your clinic.
Every time a member of staff opens or changes your record, this is logged, and you can see
who did so and when in the app (Access log).

What it is used for. To follow your recovery, to give you advice when a check-in suggests you
should see a doctor, to remind you to check in and exercise, and to alert your care team.
It is not sold or shared with anyone else.

Your choices. You can download your whole record at any time (Export). You can withdraw this
consent at any time in the app, as easily as you gave it: from then on no new check-ins or
exercise sessions are collected and reminders stop; what was already recorded stays with your
clinic unless you ask them to erase it. You can ask your clinic to erase your record; it is
then deleted, and only the fact that it was erased (and by whom) is kept.

The app does not replace medical care. In an emergency, call the emergency number.
"""


def publish(apps, schema_editor):
    ConsentDocument = apps.get_model("consent", "ConsentDocument")
    ConsentDocument.objects.get_or_create(
        version=1,
        defaults={
            "title": TITLE,
            "text": TEXT,
            "published_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        },
    )


def unpublish(apps, schema_editor):
    ConsentDocument = apps.get_model("consent", "ConsentDocument")
    ConsentDocument.objects.filter(version=1, acceptances__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(publish, unpublish)]
