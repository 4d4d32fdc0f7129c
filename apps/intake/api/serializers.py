"""The request and response bodies of `POST sync/` (check-ins and exercise sessions); the
single check-in's bodies are apps.checkins.api.serializers'."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.checkins.api.serializers import AdviceSerializer, errors_field
from apps.checkins.inputs import CheckInInputSerializer
from apps.core.sync import ItemStatus
from apps.exercises.inputs import ExerciseSessionInputSerializer
from apps.outcomes.inputs import QuestionnaireResponseInputSerializer

MAX_SYNC_ITEMS = 500
SYNC_ITEM_STATUS_CHOICES = [status.value for status in ItemStatus]


class ParsedItemField(serializers.JSONField):
    """An item of a `POST sync/` list, as the JSON parser made it (validated later, by its
    own kind's rules): refused only when null, as JSONField refuses it. JSONField would also
    encode every item again to check that it is JSON, which a parsed body always is."""

    def to_internal_value(self, data):
        return data


class SyncRequestSerializer(serializers.Serializer):
    checkins = serializers.ListField(
        child=ParsedItemField(),
        required=False,
        help_text="Check-ins, each as `POST checkins/` takes it (CheckInRequest).",
    )
    exercise_sessions = serializers.ListField(
        child=ParsedItemField(),
        required=False,
        help_text="Exercise sessions, each as `POST exercise-sessions/` takes it.",
    )
    questionnaire_responses = serializers.ListField(
        child=ParsedItemField(),
        required=False,
        help_text="Questionnaire responses, each as `POST questionnaire-responses/` takes it.",
    )

    def validate(self, attrs):
        total = sum(
            len(attrs.get(key, []))
            for key in ("checkins", "exercise_sessions", "questionnaire_responses")
        )
        if total > MAX_SYNC_ITEMS:
            raise serializers.ValidationError(
                _(
                    "At most %(max)d items per request (got %(total)d); send the rest in "
                    "another request."
                )
                % {"max": MAX_SYNC_ITEMS, "total": total}
            )
        return attrs


class SyncRequestDocumentedSerializer(serializers.Serializer):
    """What `POST sync/` takes, as the schema shows it. Items are validated one by one (an
    invalid item is reported in its place, it does not fail the request); only the envelope
    (lists, at most 500 items in all) can make the whole request a 400."""

    checkins = CheckInInputSerializer(many=True, required=False)
    exercise_sessions = ExerciseSessionInputSerializer(many=True, required=False)
    questionnaire_responses = QuestionnaireResponseInputSerializer(many=True, required=False)


class SyncItemSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SYNC_ITEM_STATUS_CHOICES)
    id = serializers.UUIDField(
        allow_null=True,
        help_text="created/unchanged: the stored object; conflict: the one holding the date; "
        "invalid: null.",
    )
    # DRF's metaclass moves declared fields off the class: Serializer.errors stays.
    errors = serializers.DictField(  # type: ignore[assignment]
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
    questionnaire_responses = SyncItemSerializer(
        many=True, help_text="Scored on the server; read the scores with GET."
    )


class SyncRefusedItemSerializer(serializers.Serializer):
    advice = AdviceSerializer(
        many=True, required=False, help_text="The advice its values meet, if they validated."
    )
    # DRF's metaclass moves declared fields off the class: Serializer.errors stays.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Why its values did not validate.",
    )


class SyncRefusedSerializer(serializers.Serializer):
    """`sync/` refused whole (consent withdrawn): nothing stored, each check-in's advice."""

    # DRF's metaclass moves declared fields off the class: Serializer.errors stays.
    errors = errors_field()  # type: ignore[assignment]
    code = serializers.CharField()
    checkins = SyncRefusedItemSerializer(
        many=True,
        required=False,
        help_text="One per check-in item, in request order (when the envelope was valid).",
    )
