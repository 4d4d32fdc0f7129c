from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.flags.models import Flag, FlagSeverity, FlagStatus, ResolutionOutcome
from apps.flags.rules import flag_patient_message, rule_title


def _audience_field(value: str) -> serializers.SerializerMethodField:
    """A constant saying which view of a flag this is, so a client (and the schema's oneOf)
    can tell the care team's view from the patient's."""

    @extend_schema_field({"type": "string", "enum": [value]})
    class _Audience(serializers.SerializerMethodField):
        def to_representation(self, instance) -> str:
            return value

    return _Audience()


class FlagSerializer(serializers.ModelSerializer):
    """A flag as the care team sees it: the rule, its evidence (the dates and values that met
    it, with the thresholds in force) and the lifecycle."""

    audience = _audience_field("care_team")

    patient = serializers.UUIDField(source="patient_id", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    acknowledged_by = serializers.UUIDField(
        source="acknowledged_by_id", read_only=True, allow_null=True
    )
    resolved_by = serializers.UUIDField(source="resolved_by_id", read_only=True, allow_null=True)
    evidence = serializers.JSONField(
        read_only=True,
        help_text=(
            "What met the rule on its latest qualifying date: `date`, `reason`, the dates and "
            "values read, and `thresholds` (the values in force)."
        ),
    )
    rule_title = serializers.SerializerMethodField(
        help_text="The rule's name for people (e.g. 'Sudden severe pain')."
    )
    reopened_by = serializers.UUIDField(source="reopened_by_id", read_only=True, allow_null=True)
    held_dates = serializers.ListField(
        child=serializers.DateField(),
        read_only=True,
        help_text="Every local date on which the rule was met while this flag was live.",
    )

    class Meta:
        model = Flag
        fields = [
            "id",
            "audience",
            "patient",
            "episode",
            "rule",
            "rule_title",
            "rule_version",
            "severity",
            "status",
            "opened_at",
            "opened_for_date",
            "last_seen_at",
            "held_dates",
            "evidence",
            "patient_message",
            "clinician_summary",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_by",
            "resolved_at",
            "resolution",
            "outcome",
            "note",
            "reopened_by",
            "reopened_at",
            "escalated_at",
        ]
        read_only_fields = fields

    def get_rule_title(self, flag: Flag) -> str:
        return rule_title(flag.rule)


class PatientFlagSerializer(serializers.ModelSerializer):
    """A flag as its patient sees it: what to do (``patient_message``), no clinical evidence."""

    audience = _audience_field("patient")

    patient = serializers.UUIDField(source="patient_id", read_only=True)
    episode = serializers.UUIDField(source="episode_id", read_only=True)
    patient_message = serializers.SerializerMethodField(
        help_text="What to do, in plain words, in the patient's language."
    )

    class Meta:
        model = Flag
        fields = [
            "id",
            "audience",
            "patient",
            "episode",
            "rule",
            "severity",
            "status",
            "opened_at",
            "last_seen_at",
            "patient_message",
        ]
        read_only_fields = fields

    def get_patient_message(self, flag: Flag) -> str:
        return flag_patient_message(
            rule_code=flag.rule, severity=flag.severity, stored=flag.patient_message
        )


class FlagListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FlagStatus.choices, required=False)
    severity = serializers.ChoiceField(choices=FlagSeverity.choices, required=False)
    patient = serializers.UUIDField(required=False)


class FlagActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class FlagResolveSerializer(FlagActionSerializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="What was done; required for emergency and urgent flags.",
    )
    outcome = serializers.ChoiceField(
        choices=ResolutionOutcome.choices,
        required=False,
        default="",
        help_text="What the care team did (recorded with the resolution).",
    )
