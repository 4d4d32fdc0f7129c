from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Patient
from apps.accounts.permissions import signed_in_user
from apps.accounts.selectors import patient_of_user
from apps.notifications.selectors import preference_for, sms_number_of
from apps.notifications.services import UNSET
from apps.reminders import selectors, services
from apps.reminders.api.serializers import ReminderSettingsSerializer


def _body(patient: Patient) -> dict:
    settings = selectors.reminder_settings_for(patient)
    preference = preference_for(patient.user)
    return {
        "checkin_time": settings.checkin_time,
        "exercise_time": settings.exercise_time,
        "channels": preference.channels,
        "quiet_hours_start": preference.quiet_hours_start,
        "quiet_hours_end": preference.quiet_hours_end,
        "enabled": settings.enabled,
        "checkins_after_resolution": settings.checkins_after_resolution,
        # The patient's phone (the one stored number) as SMS takes it.
        "phone_number": sms_number_of(patient.user),
        "timezone": patient.timezone,
        "next_checkin_reminder_at": selectors.next_due_of(patient),
    }


class MyRemindersView(APIView):
    """The signed-in patient's reminder settings (defaults until set: check-in at 19:00 by
    push, quiet hours 23:00-07:00). PUT replaces them and reschedules."""

    @extend_schema(responses={200: ReminderSettingsSerializer}, tags=["me"])
    def get(self, request: Request) -> Response:
        patient = patient_of_user(signed_in_user(request))
        return Response(ReminderSettingsSerializer(_body(patient)).data)

    @extend_schema(
        request=ReminderSettingsSerializer,
        responses={200: ReminderSettingsSerializer},
        tags=["me"],
    )
    def put(self, request: Request) -> Response:
        patient = patient_of_user(signed_in_user(request))
        serializer = ReminderSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.reminder_settings_update(
            patient=patient,
            checkin_time=data["checkin_time"],
            exercise_time=data.get("exercise_time"),
            enabled=data["enabled"],
            channels=data["channels"],
            quiet_hours_start=data.get("quiet_hours_start"),
            quiet_hours_end=data.get("quiet_hours_end"),
            phone_number=data.get("phone_number", UNSET),
            checkins_after_resolution=data.get("checkins_after_resolution"),
        )
        return Response(ReminderSettingsSerializer(_body(patient)).data)
