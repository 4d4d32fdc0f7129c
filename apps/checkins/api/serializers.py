from __future__ import annotations

from rest_framework import serializers

from apps.checkins.inputs import CheckInInputSerializer
from apps.checkins.models import CheckIn, PainfulSide, RedFlag
from apps.core.bounds import DateRangeQuerySerializer
from apps.core.sync import ItemStatus
from apps.exercises.inputs import ExerciseSessionInputSerializer

MAX_SYNC_ITEMS = 500
SYNC_ITEM_STATUS_CHOICES = [status.value for status in ItemStatus]


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


def _errors_field() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field (`non_field_errors` for the request as a whole).",
    )


class CheckInRefusedSerializer(serializers.Serializer):
    """A refused check-in (nothing stored) that still carries the advice of its values."""

    errors = _errors_field()
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


class SyncRefusedItemSerializer(serializers.Serializer):
    advice = AdviceSerializer(
        many=True, required=False, help_text="The advice its values meet, if they validated."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Why its values did not validate.",
    )


class SyncRefusedSerializer(serializers.Serializer):
    """`sync/` refused whole (consent withdrawn): nothing stored, each check-in's advice."""

    errors = _errors_field()
    code = serializers.CharField()
    checkins = SyncRefusedItemSerializer(
        many=True,
        required=False,
        help_text="One per check-in item, in request order (when the envelope was valid).",
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


class SyncRequestSerializer(serializers.Serializer):
    checkins = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="Check-ins, each as `POST checkins/` takes it (CheckInRequest).",
    )
    exercise_sessions = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="Exercise sessions, each as `POST exercise-sessions/` takes it.",
    )

    def validate(self, attrs):
        total = len(attrs.get("checkins", [])) + len(attrs.get("exercise_sessions", []))
        if total > MAX_SYNC_ITEMS:
            raise serializers.ValidationError(
                f"At most {MAX_SYNC_ITEMS} items per request (got {total}); send the rest "
                "in another request."
            )
        return attrs


class SyncRequestDocumentedSerializer(serializers.Serializer):
    """What `POST sync/` takes, as the schema shows it. Items are validated one by one (an
    invalid item is reported in its place, it does not fail the request); only the envelope
    (lists, at most 500 items in all) can make the whole request a 400."""

    checkins = CheckInInputSerializer(many=True, required=False)
    exercise_sessions = ExerciseSessionInputSerializer(many=True, required=False)


class SyncItemSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SYNC_ITEM_STATUS_CHOICES)
    id = serializers.UUIDField(
        allow_null=True,
        help_text="created/unchanged: the stored object; conflict: the one holding the date; "
        "invalid: null.",
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field errors (invalid items only), as a single POST would return them.",
    )
    advice = AdviceSerializer(
        many=True,
        required=False,
        help_text="Check-ins only, whenever the item's values validated: `created` the advice "
        "computed and stored with it, `unchanged` the stored advice of its first answer "
        "(also for a repeat inside the batch), `conflict` and `invalid` (date or episode "
        "refused) the advice the sent values meet. Absent when the values did not validate.",
    )


class SyncResponseSerializer(serializers.Serializer):
    checkins = SyncItemSerializer(many=True)
    exercise_sessions = SyncItemSerializer(many=True)


__all__ = [
    "CheckInInputSerializer",
    "CheckInSerializer",
    "CheckInCreatedSerializer",
    "SyncRequestSerializer",
    "SyncResponseSerializer",
]
