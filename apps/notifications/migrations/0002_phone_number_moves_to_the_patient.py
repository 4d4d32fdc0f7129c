"""One phone number per patient: ``NotificationPreference.phone_number`` (where SMS went, set
by the patient with ``PUT me/reminders/``) moves to ``Patient.phone`` (what the care team
calls, set at enrolment and with ``PATCH me/``), which is from now on the only stored number
and where SMS goes (its E.164 form).

Forward, per preference with a number:
- the patient has no phone: the number becomes it;
- the patient's phone is the same number (in any layout, e.g. "+44 7700 900123"): kept as
  typed;
- the patient's phone is another number: the preference's number wins. It is the one SMS
  went to until now (so where reminders go does not change), and the one the patient chose
  for being messaged; nothing records when the patient's phone was set, so "the more recent"
  cannot be told. The care team then sees that number on the patient page.
A number on the preference of a user who is not a patient has nowhere to go: only patients
could ever set one (``PUT me/reminders/``), so the migration stops rather than drop it.

Backward: each stored preference gets its patient's phone in E.164 form back when that form
is a valid E.164 number (what the old column accepted)."""

import re

from django.db import migrations

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def e164(value):
    digits = re.sub(r"\D", "", value or "")
    return f"+{digits}" if digits else ""


def numbers_to_patients(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    Patient = apps.get_model("accounts", "Patient")
    with_number = Preference.objects.exclude(phone_number="")
    patients = {
        patient.user_id: patient
        for patient in Patient.objects.filter(user_id__in=with_number.values("user_id"))
    }
    orphans = with_number.exclude(user_id__in=list(patients)).count()
    if orphans:
        raise RuntimeError(
            f"{orphans} notification preference(s) of users who are not patients hold a phone "
            "number, which has no place once the number lives on the patient: move or clear "
            "them by hand, then migrate again."
        )
    changed = []
    for user_id, number in with_number.values_list("user_id", "phone_number"):
        patient = patients[user_id]
        if e164(patient.phone) != number:
            patient.phone = number
            changed.append(patient)
    Patient.objects.bulk_update(changed, ["phone"], batch_size=500)


def numbers_to_preferences(apps, schema_editor):
    Preference = apps.get_model("notifications", "NotificationPreference")
    Patient = apps.get_model("accounts", "Patient")
    phones = dict(
        Patient.objects.exclude(phone="")
        .filter(user_id__in=Preference.objects.values("user_id"))
        .values_list("user_id", "phone")
    )
    changed = []
    for preference in Preference.objects.filter(user_id__in=list(phones)):
        number = e164(phones[preference.user_id])
        if E164.match(number):
            preference.phone_number = number
            changed.append(preference)
    Preference.objects.bulk_update(changed, ["phone_number"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_patient_phone_is_the_sms_number"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(numbers_to_patients, numbers_to_preferences, elidable=False),
        migrations.RemoveField(
            model_name="notificationpreference",
            name="phone_number",
        ),
    ]
