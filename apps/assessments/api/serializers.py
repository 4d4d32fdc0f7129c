"""What the assessment endpoints return (inputs are in apps/assessments/inputs.py)."""

from __future__ import annotations

from rest_framework import serializers

from apps.assessments.catalogue import definition
from apps.assessments.models import Assessment
from apps.assessments.selectors import Change, change_of


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment with its unit and its change from the previous comparable one (same
    test, side and movement)."""

    value = serializers.FloatField(help_text="In `unit`, the test's fixed unit.")
    unit = serializers.SerializerMethodField(help_text="UCUM unit of the test (fixed per test).")
    previous_date = serializers.DateField(
        allow_null=True,
        help_text="Date of the previous comparable assessment (same test, side, movement).",
    )
    change_from_previous = serializers.SerializerMethodField(
        help_text="This value minus the previous comparable one, in `unit`; null for the first."
    )
    beyond_mdc = serializers.SerializerMethodField(
        help_text="Whether the change exceeds the test's MDC; null without a previous value "
        "or when the test has no MDC."
    )
    worse = serializers.SerializerMethodField(
        help_text="Whether the change is in the test's worse direction (TUG: slower)."
    )
    mdc = serializers.SerializerMethodField(help_text="The test's MDC in `unit` (null: none).")
    mdc_source = serializers.SerializerMethodField(help_text="Where the MDC comes from.")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "episode",
            "client_id",
            "date",
            "test",
            "side",
            "movement",
            "value",
            "unit",
            "method",
            "aid",
            "notes",
            "previous_date",
            "change_from_previous",
            "beyond_mdc",
            "worse",
            "mdc",
            "mdc_source",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields

    def _change(self, obj: Assessment) -> Change:
        return change_of(
            test=obj.test, value=obj.value, previous_value=getattr(obj, "previous_value", None)
        )

    def get_unit(self, obj: Assessment) -> str:
        return definition(obj.test).unit

    def get_change_from_previous(self, obj: Assessment) -> float | None:
        change = self._change(obj).change_from_previous
        return None if change is None else float(change)

    def get_beyond_mdc(self, obj: Assessment) -> bool | None:
        return self._change(obj).beyond_mdc

    def get_worse(self, obj: Assessment) -> bool | None:
        return self._change(obj).worse

    def get_mdc(self, obj: Assessment) -> float | None:
        mdc = definition(obj.test).mdc
        return None if mdc is None else float(mdc)

    def get_mdc_source(self, obj: Assessment) -> str:
        return definition(obj.test).mdc_source
