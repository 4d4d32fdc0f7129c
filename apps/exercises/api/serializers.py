"""What the exercise endpoints return (inputs are in apps/exercises/inputs.py)."""

from __future__ import annotations

from fractions import Fraction

from rest_framework import serializers

from apps.exercises.models import Exercise, ExercisePlan, ExerciseSession, PlanItem
from apps.exercises.selectors import ItemAdherence, RangeAdherence, WindowAdherence


class ExerciseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exercise
        fields = [
            "id",
            "name",
            "category",
            "instructions",
            "default_sets",
            "default_reps",
            "default_hold_seconds",
        ]
        read_only_fields = fields


class PlanItemSerializer(serializers.ModelSerializer):
    exercise_name = serializers.CharField(source="exercise.name", read_only=True)
    category = serializers.CharField(source="exercise.category", read_only=True)

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "exercise",
            "exercise_name",
            "category",
            "sets",
            "reps",
            "hold_seconds",
            "days_per_week",
        ]
        read_only_fields = fields


class ExercisePlanSerializer(serializers.ModelSerializer):
    items = PlanItemSerializer(many=True, read_only=True)
    effective_ends_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="Last day in force: ends_on, or the day before the plan that superseded it "
        "started (before starts_on when it was replaced before it began).",
    )

    class Meta:
        model = ExercisePlan
        fields = [
            "id",
            "episode",
            "starts_on",
            "ends_on",
            "effective_ends_on",
            "superseded_by",
            "prescribed_by",
            "created_at",
            "items",
        ]
        read_only_fields = fields


class ExerciseSessionSerializer(serializers.ModelSerializer):
    exercise = serializers.UUIDField(source="plan_item.exercise_id", read_only=True)

    class Meta:
        model = ExerciseSession
        fields = [
            "id",
            "client_id",
            "patient",
            "episode",
            "plan_item",
            "exercise",
            "date",
            "sets_done",
            "pain_during",
            "recorded_at",
            "received_at",
        ]
        read_only_fields = fields


def _decimal(value: Fraction | None, places: int) -> float | None:
    return None if value is None else round(float(value), places)


class AdherenceTotalsSerializer(serializers.Serializer):
    sessions_prescribed = serializers.FloatField(
        help_text="days_per_week × days in force / 7, summed over items (2 decimals)."
    )
    sessions_done = serializers.IntegerField(
        help_text="Distinct days with a session for an item within its in-force days, summed."
    )
    adherence = serializers.FloatField(
        allow_null=True,
        help_text="Σ min(done, prescribed) / Σ prescribed, 0–1 (4 decimals); null when "
        "nothing was prescribed.",
    )

    @staticmethod
    def totals_of(source: ItemAdherence | WindowAdherence | RangeAdherence) -> dict:
        return {
            "sessions_prescribed": _decimal(source.sessions_prescribed, 2),
            "sessions_done": source.sessions_done,
            "adherence": _decimal(source.adherence, 4),
        }


class ItemAdherenceSerializer(AdherenceTotalsSerializer):
    plan_item = serializers.UUIDField()
    exercise = serializers.UUIDField()
    exercise_name = serializers.CharField()
    days_per_week = serializers.IntegerField()
    days_in_force = serializers.IntegerField()

    @staticmethod
    def data_of(source: ItemAdherence) -> dict:
        item = source.plan_item
        return {
            "plan_item": item.id,
            "exercise": item.exercise_id,
            "exercise_name": item.exercise.name,
            "days_per_week": item.days_per_week,
            "days_in_force": source.days_in_force,
            **AdherenceTotalsSerializer.totals_of(source),
        }


class WeekAdherenceSerializer(AdherenceTotalsSerializer):
    week = serializers.CharField(help_text="ISO week, e.g. 2026-W47.")
    date_from = serializers.DateField(help_text="First date counted (Monday, or the range start).")
    date_to = serializers.DateField(help_text="Last date counted (Sunday, or the range end).")
    days_with_plan_in_force = serializers.IntegerField()
    items = ItemAdherenceSerializer(many=True)

    @staticmethod
    def data_of(source: WindowAdherence) -> dict:
        return {
            "week": source.iso_week,
            "date_from": source.date_from,
            "date_to": source.date_to,
            "days_with_plan_in_force": source.days_with_plan_in_force,
            "items": [ItemAdherenceSerializer.data_of(row) for row in source.items],
            **AdherenceTotalsSerializer.totals_of(source),
        }


class AdherenceSerializer(serializers.Serializer):
    episode = serializers.UUIDField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    weeks = WeekAdherenceSerializer(many=True)
    overall = AdherenceTotalsSerializer(help_text="The whole range (weeks summed).")

    @staticmethod
    def data_of(episode_id, source: RangeAdherence) -> dict:
        return {
            "episode": episode_id,
            "date_from": source.date_from,
            "date_to": source.date_to,
            "weeks": [WeekAdherenceSerializer.data_of(week) for week in source.weeks],
            "overall": AdherenceTotalsSerializer.totals_of(source),
        }
