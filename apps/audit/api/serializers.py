from __future__ import annotations

from rest_framework import serializers

from apps.audit.models import AccessAction, AccessLogEntry


class AccessLogEntrySerializer(serializers.ModelSerializer):
    """One access to the patient's record by a member of staff."""

    staff_name = serializers.CharField(source="actor_name", read_only=True)
    staff_role = serializers.CharField(
        source="actor_role",
        read_only=True,
        help_text="physiotherapist, clinic_admin or superuser (system administrator).",
    )
    action = serializers.ChoiceField(choices=AccessAction.choices, read_only=True)
    what = serializers.CharField(
        source="view_name", read_only=True, help_text="The page or endpoint, by name."
    )

    class Meta:
        model = AccessLogEntry
        fields = ["at", "staff_name", "staff_role", "action", "what", "method"]
        read_only_fields = fields


class EraseRequestSerializer(serializers.Serializer):
    confirmation = serializers.CharField(
        max_length=254, help_text="The patient's e-mail address, typed to confirm the erasure."
    )


class EraseResultSerializer(serializers.Serializer):
    erased = serializers.BooleanField()
    patient = serializers.UUIDField(help_text="The id the record had (it now maps to nobody).")
    rows_deleted = serializers.DictField(
        child=serializers.IntegerField(), help_text="How many rows of each kind were deleted."
    )
