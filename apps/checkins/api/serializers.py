from __future__ import annotations

from rest_framework import serializers

from apps.checkins.inputs import CheckInInputSerializer
from apps.checkins.models import CheckIn, PainfulSide, RedFlag
from apps.core.bounds import DateRangeQuerySerializer


class AdviceSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The rule's code (CLINICAL_RULES.md).")
    severity = serializers.ChoiceField(choices=["emergency", "urgent"])
    message = serializers.CharField()


class CheckInSerializer(serializers.ModelSerializer):
    patient = serializers.UUIDField(source="patient_id", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    painful_sides = serializers.ListField(child=serializers.ChoiceField(PainfulSide.choices))
    red_flags = serializers.ListField(child=serializers.ChoiceField(RedFlag.choices))
    received_at = serializers.DateTimeField(
        read_only=True, help_text="When the server first stored it."
    )

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "patient",
            "episode",
            "client_id",
            "date",
            "pain_now",
            "pain_worst_24h",
            "pain_weight_bearing",
            "morning_stiffness_minutes",
            "sleep_disturbed",
            "daily_activities_affected",
            "weight_bearing",
            "night_or_rest_pain",
            "walking_aid",
            "limping",
            "painful_sides",
            "red_flags",
            "steps",
            "notes",
            "recorded_at",
            "received_at",
            "updated_at",
        ]
        read_only_fields = fields


_REPRESENTATION: list[CheckInSerializer] = []


def checkin_representation(checkin: CheckIn) -> dict:
    """``CheckInSerializer(checkin).data``, by one serializer built once per process: a
    ModelSerializer builds its fields from the model on each instance, which cost the single
    POST more than rendering (``to_representation`` keeps no state on the serializer)."""
    if not _REPRESENTATION:
        serializer = CheckInSerializer()
        _ = serializer.fields
        _REPRESENTATION.append(serializer)
    return dict(_REPRESENTATION[0].to_representation(checkin))


class CheckInCreatedSerializer(CheckInSerializer):
    advice = AdviceSerializer(
        many=True,
        read_only=True,
        help_text="Emergency or urgent rules this check-in meets, computed in the request; "
        "empty if none. Stored with the check-in: a replay of its `client_id` (200) answers "
        "exactly the advice of the first answer.",
    )

    class Meta(CheckInSerializer.Meta):
        fields = [*CheckInSerializer.Meta.fields, "advice"]
        read_only_fields = fields


class CheckInCorrectedSerializer(CheckInSerializer):
    advice = AdviceSerializer(
        many=True,
        read_only=True,
        help_text="Emergency or urgent rules the corrected check-in meets, computed in the "
        "request; empty if none. (A later replay of its `client_id` still answers the first "
        "answer's advice.)",
    )

    class Meta(CheckInSerializer.Meta):
        fields = [*CheckInSerializer.Meta.fields, "advice"]
        read_only_fields = fields


def errors_field() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field (`non_field_errors` for the request as a whole).",
    )


class CheckInRefusedSerializer(serializers.Serializer):
    """A refused check-in (nothing stored) that still carries the advice of its values."""

    # DRF's metaclass moves declared fields off the class: Serializer.errors stays.
    errors = errors_field()  # type: ignore[assignment]
    code = serializers.CharField()
    advice = AdviceSerializer(
        many=True,
        required=False,
        help_text="Emergency or urgent rules the sent values meet, computed without storing "
        "anything; present whenever the values themselves validated (e.g. consent withdrawn, "
        "a date out of range, no active episode). Safety advice never depends on the write.",
    )


class CheckInConflictSerializer(CheckInRefusedSerializer):
    id = serializers.UUIDField(help_text="The check-in (another `client_id`) holding the date.")
    advice = AdviceSerializer(
        many=True, help_text="Emergency or urgent rules the sent values meet (nothing stored)."
    )


class CheckInListQuerySerializer(DateRangeQuerySerializer):
    """`?patient=&from=&to=`: errors under the parameters' names; validated_data carries
    `patient`, `date_from`, `date_to`."""

    def extra_fields(self):
        return {
            "patient": serializers.UUIDField(
                required=False,
                help_text="Only this patient (patients: themself; staff: their patients).",
            )
        }


__all__ = [
    "CheckInInputSerializer",
    "CheckInSerializer",
    "CheckInCreatedSerializer",
    "checkin_representation",
]
