"""What the treatment and imaging endpoints return (inputs are in apps/treatments/inputs.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.treatments.inputs import TreatmentDetailSerializer
from apps.treatments.models import ImagingStudy, Treatment


class PainWindowSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    days_with_checkins = serializers.IntegerField()
    mean = serializers.FloatField(
        allow_null=True, help_text="Mean `pain_worst_24h` (0-10); null with `reason`."
    )
    reason = serializers.CharField(allow_null=True, help_text="Why `mean` is null.")


class EffectSerializer(serializers.Serializer):
    """Pain before vs after the start (apps/treatments/effects.py has the exact definition)."""

    before = PainWindowSerializer(help_text="The 14 days before the start.")
    after = PainWindowSerializer(help_text="Days 15-28 after the start.")
    change = serializers.FloatField(
        allow_null=True, help_text="after.mean - before.mean (negative: less pain)."
    )
    days_to_low_pain = serializers.IntegerField(
        allow_null=True,
        help_text="Days from the start to the first 7-day window with mean `pain_now` <= 2 "
        "(check-ins on >= 4 of its days); null with `days_to_low_pain_reason`.",
    )
    days_to_low_pain_reason = serializers.CharField(allow_null=True)


class TreatmentSerializer(serializers.ModelSerializer):
    detail = TreatmentDetailSerializer(read_only=True)
    effect = serializers.SerializerMethodField()

    class Meta:
        model = Treatment
        fields = [
            "id",
            "episode",
            "client_id",
            "kind",
            "starts_on",
            "ends_on",
            "detail",
            "effect",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EffectSerializer(allow_null=True))
    def get_effect(self, obj: Treatment) -> dict[str, Any] | None:
        effects = self.context.get("effects") or {}
        effect = effects.get(obj.pk)
        return None if effect is None else EffectSerializer(effect).data


class FindingsOutSerializer(serializers.Serializer):
    bone_marrow_edema = serializers.CharField(allow_null=True)
    fracture_line = serializers.BooleanField(allow_null=True)
    t_score = serializers.FloatField(allow_null=True)
    z_score = serializers.FloatField(allow_null=True)


class ImagingSerializer(serializers.ModelSerializer):
    findings = serializers.SerializerMethodField()

    class Meta:
        model = ImagingStudy
        fields = [
            "id",
            "episode",
            "client_id",
            "date",
            "modality",
            "side",
            "findings",
            "report",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FindingsOutSerializer)
    def get_findings(self, obj: ImagingStudy) -> dict[str, Any]:
        return {
            "bone_marrow_edema": obj.bone_marrow_edema or None,
            "fracture_line": obj.fracture_line,
            "t_score": None if obj.t_score is None else float(obj.t_score),
            "z_score": None if obj.z_score is None else float(obj.z_score),
        }
