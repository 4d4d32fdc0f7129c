"""Admin: instruments are loaded from files (``manage.py load_instrument``) and shown
read-only once anyone has answered them; responses, scores, requests and schedules are
patient data, scoped to the clinic and read-only (written through the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.outcomes.models import (
    Answer,
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
    QuestionnaireSchedule,
    Score,
    ScoreDefinition,
)

# Shown and read-only alike (tuples: both admin options take them).
_DEFINITION_FIELDS = (
    "code",
    "algorithm",
    "min_answered",
    "range_min",
    "range_max",
    "better",
    "mcid",
    "mcid_source",
    "mdc",
    "mdc_source",
    "loinc",
)
_ANSWER_FIELDS = ("item", "value", "weight")
_SCORE_FIELDS = ("definition", "value", "reason", "algorithm_version", "computed_at")


class ScoreDefinitionInline(admin.TabularInline):
    model = ScoreDefinition
    extra = 0
    fields = _DEFINITION_FIELDS
    readonly_fields = _DEFINITION_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "title", "licence", "is_current", "loaded_at"]
    list_filter = ["licence", "is_current"]
    inlines = [ScoreDefinitionInline]
    readonly_fields = [
        "code",
        "version",
        "licence",
        "loinc",
        "definition",
        "is_current",
        "loaded_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # loaded from files, validated

    def _answered(self, obj: Instrument | None) -> bool:
        return obj is not None and obj.responses.exists()

    def has_change_permission(self, request: HttpRequest, obj: Instrument | None = None) -> bool:
        return super().has_change_permission(request, obj) and not self._answered(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Instrument | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not self._answered(obj)


class AnswerInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "response__patient"
    model = Answer
    extra = 0
    fields = _ANSWER_FIELDS
    readonly_fields = _ANSWER_FIELDS


class ScoreInline(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    patient_path = "response__patient"
    model = Score
    extra = 0
    fields = _SCORE_FIELDS
    readonly_fields = _SCORE_FIELDS


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["date", "patient", "instrument", "language", "received_at"]
    list_select_related = ["patient__user", "instrument"]
    search_fields = ["patient__user__email", "patient__user__last_name"]
    date_hierarchy = "date"
    ordering = ["-date"]
    inlines = [AnswerInline, ScoreInline]


@admin.register(QuestionnaireRequest)
class QuestionnaireRequestAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["instrument_code", "patient", "requested_on", "expires_on"]
    list_select_related = ["patient__user"]


@admin.register(QuestionnaireSchedule)
class QuestionnaireScheduleAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "episode__patient"
    list_display = ["episode", "updated_at"]
