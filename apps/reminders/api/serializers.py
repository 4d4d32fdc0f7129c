from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.notifications.models import E164_VALIDATOR, Channel

TIME_FORMAT = "%H:%M"


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "19:00"}
)
class WallClockTimeField(serializers.TimeField):
    """A local wall-clock time as "HH:MM" (not OpenAPI's "time" format, which has seconds)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(format=TIME_FORMAT, input_formats=[TIME_FORMAT], **kwargs)


def _time_field(**kwargs) -> serializers.TimeField:
    return WallClockTimeField(**kwargs)


class ReminderSettingsSerializer(serializers.Serializer):
    """A patient's reminders. Times are local "HH:MM" in the patient's time zone."""

    checkin_time = _time_field(help_text="Daily check-in reminder, local HH:MM.")
    exercise_time = _time_field(
        required=False, allow_null=True, help_text="Exercise reminder, local HH:MM; null: none."
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        max_length=3,
        help_text="Where reminders go (push needs a registered device, sms a phone number).",
    )
    quiet_hours_start = _time_field(
        required=False,
        allow_null=True,
        help_text="Start of quiet hours (local HH:MM); nothing but urgent advice is sent "
        "until their end. Omit both (or send null) for none.",
    )
    quiet_hours_end = _time_field(required=False, allow_null=True)
    enabled = serializers.BooleanField()
    checkins_after_resolution = serializers.BooleanField(
        required=False,
        help_text="After the episode is resolved, keep the daily check-in reminders (default "
        "false: they stop, the monthly joint check goes on). Omitted: unchanged.",
    )
    phone_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        validators=[E164_VALIDATOR],
        help_text="E.164 number for SMS, e.g. +447700900123. Omitted: unchanged; empty: removed.",
    )
    timezone = serializers.CharField(
        read_only=True, help_text="The patient's IANA time zone (change it with PATCH me/)."
    )
    next_checkin_reminder_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("quiet_hours_start")
        end = attrs.get("quiet_hours_end")
        if (start is None) != (end is None):
            raise serializers.ValidationError(
                {
                    "quiet_hours_end": [
                        _("Give both the start and the end of quiet hours, or neither.")
                    ]
                }
            )
        if start is not None and start == end:
            raise serializers.ValidationError(
                {
                    "quiet_hours_end": [
                        _("Quiet hours must end at a different time than they start.")
                    ]
                }
            )
        if attrs.get("enabled") and not attrs.get("channels"):
            raise serializers.ValidationError(
                {"channels": [_("Choose at least one channel, or switch reminders off.")]}
            )
        return attrs
