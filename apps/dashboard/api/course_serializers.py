"""The clinical course on the timeline (`GET patients/{id}/timeline/` entries)."""

from __future__ import annotations

from rest_framework import serializers

from apps.treatments.api.serializers import ImagingSerializer


class TimelineAssessmentSerializer(serializers.Serializer):
    # Serializes an apps.assessments.selectors.AssessmentPoint.
    id = serializers.UUIDField()
    test = serializers.CharField()
    side = serializers.CharField(help_text="`left`/`right`, or empty for tests without a side.")
    movement = serializers.CharField(help_text="Hip ROM movement, or empty.")
    value = serializers.FloatField(help_text="In the test's fixed unit (see assessments).")
    method = serializers.CharField()
    previous_value = serializers.FloatField(allow_null=True)
    previous_date = serializers.DateField(allow_null=True)


class TimelineTreatmentSerializer(serializers.Serializer):
    # Serializes a Treatment in force on the date.
    id = serializers.UUIDField()
    kind = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    detail = serializers.DictField(help_text="The kind's details (see treatments).")


TimelineImagingSerializer = ImagingSerializer
