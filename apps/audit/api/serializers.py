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
