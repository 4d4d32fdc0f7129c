"""Response bodies of the outcome-measure endpoints (inputs: apps.outcomes.inputs)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.outcomes.models import QuestionnaireResponse
from apps.outcomes.reasons import reason_in_language
from apps.outcomes.scoring import ALGORITHM_VERSIONS, Change

MEANINGFUL_CHOICES = ["better", "worse", "none"]


class ScoreDefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    range = serializers.ListField(child=serializers.FloatField(), help_text="[lowest, highest]")
    better = serializers.ChoiceField(choices=["higher", "lower"])
    mcid = serializers.FloatField(
        allow_null=True, help_text="Minimal clinically important difference."
    )
    mcid_source = serializers.CharField()
    mdc = serializers.FloatField(allow_null=True, help_text="Minimal detectable change.")
    mdc_source = serializers.CharField()
    algorithm = serializers.ChoiceField(choices=list(ALGORITHM_VERSIONS))
    min_answered = serializers.IntegerField()
    loinc = serializers.CharField(help_text="LOINC code of the score; empty when none exists.")

    @staticmethod
    def data_of(definition: Any) -> dict[str, Any]:
        return {
            "code": definition.code,
            "range": [definition.range_min, definition.range_max],
            "better": definition.better,
            "mcid": definition.mcid,
            "mcid_source": definition.mcid_source,
            "mdc": definition.mdc,
            "mdc_source": definition.mdc_source,
            "algorithm": definition.algorithm,
            "min_answered": definition.min_answered,
            "loinc": definition.loinc,
        }


class InstrumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.CharField()
    title = serializers.CharField()
    licence = serializers.ChoiceField(choices=["open", "licensed"])
    licence_holder = serializers.CharField()
    available = serializers.BooleanField(
        help_text="True when its wording is loaded: patients can answer it."
    )
    languages = serializers.ListField(child=serializers.CharField())
    loinc = serializers.CharField(help_text="LOINC panel code; empty when none exists.")
    scores = ScoreDefinitionSerializer(many=True)

    @staticmethod
    def data_of(instrument: Any) -> dict[str, Any]:
        languages = sorted(w.language for w in instrument.wordings.all())
        return {
            "code": instrument.code,
            "version": instrument.version,
            "title": instrument.title,
            "licence": instrument.licence,
            "licence_holder": instrument.licence_holder,
            "available": bool(languages),
            "languages": languages,
            "loinc": instrument.loinc,
            "scores": [ScoreDefinitionSerializer.data_of(s) for s in instrument.scores.all()],
        }


class OptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    display = serializers.CharField(help_text="In the caller's language; empty without wording.")
    weight = serializers.FloatField()


class ItemSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The link id answers name.")
    type = serializers.ChoiceField(choices=["choice", "integer", "decimal", "string"])
    text = serializers.CharField(help_text="In the caller's language; empty without wording.")
    # DRF's metaclass takes declared fields off the class; the stubs see Field.required.
    required = serializers.BooleanField()  # type: ignore[assignment]
    min_value = serializers.FloatField(allow_null=True)
    max_value = serializers.FloatField(allow_null=True)
    options = OptionSerializer(many=True)


class InstrumentDetailSerializer(InstrumentSerializer):
    language = serializers.CharField(
        allow_null=True, help_text="The language of the texts (null: no wording loaded)."
    )
    items = ItemSerializer(many=True)

    @staticmethod
    def detail_of(instrument: Any, wording: Any) -> dict[str, Any]:
        texts = wording.texts if wording is not None else {}
        items = []
        for item in instrument.items.all():
            text = texts.get(item.link_id, {})
            displays = text.get("options") or {}
            items.append(
                {
                    "item": item.link_id,
                    "type": item.kind,
                    "text": text.get("text", ""),
                    "required": item.required,
                    "min_value": item.min_value,
                    "max_value": item.max_value,
                    "options": [
                        {"code": o.code, "display": displays.get(o.code, ""), "weight": o.weight}
                        for o in item.options.all()
                    ],
                }
            )
        body = InstrumentSerializer.data_of(instrument)
        if wording is not None:
            body["title"] = wording.title
        return body | {"language": wording.language if wording else None, "items": items}


class AnswerSerializer(serializers.Serializer):
    item = serializers.CharField()
    value = serializers.JSONField(help_text="As sent: option code, number or text.")


class ScoreSerializer(serializers.Serializer):
    score = serializers.CharField(help_text="The score definition's code.")
    value = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(help_text="Why the value is null (too few items answered, …).")
    algorithm_version = serializers.IntegerField()
    change_from_baseline = serializers.FloatField(
        allow_null=True, help_text="Against the episode's first scored value (null: this is it)."
    )
    change_from_previous = serializers.FloatField(allow_null=True)
    beyond_mdc = serializers.BooleanField(
        allow_null=True, help_text="|change from baseline| > MDC (null: no baseline or MDC)."
    )
    meaningful = serializers.ChoiceField(
        choices=MEANINGFUL_CHOICES,
        allow_null=True,
        help_text="The change from baseline reaches the MCID the better or worse way, or not "
        "(`none`); null without a baseline or an MCID.",
    )
    mcid = serializers.FloatField(allow_null=True)
    mdc = serializers.FloatField(allow_null=True)


class QuestionnaireResponseSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    client_id = serializers.UUIDField()
    patient = serializers.UUIDField()
    episode = serializers.UUIDField()
    instrument = serializers.CharField()
    instrument_version = serializers.CharField()
    language = serializers.CharField()
    completed_at = serializers.DateTimeField()
    date = serializers.DateField(help_text="The patient's local date of completed_at.")
    answers = AnswerSerializer(many=True)
    scores = ScoreSerializer(many=True)

    @staticmethod
    def data_of(response: QuestionnaireResponse, changes: dict[Any, Change]) -> dict[str, Any]:
        none = Change(None, None, None, None)
        return {
            "id": str(response.id),
            "client_id": str(response.client_id),
            "patient": str(response.patient_id),
            "episode": str(response.episode_id),
            "instrument": response.instrument.code,
            "instrument_version": response.instrument.version,
            "language": response.language,
            "completed_at": serializers.DateTimeField().to_representation(response.completed_at),
            "date": response.date.isoformat(),
            "answers": [
                {"item": a.item.link_id, "value": a.value}
                for a in sorted(response.answers.all(), key=lambda a: a.item.position)
            ],
            "scores": [
                {
                    "score": s.definition.code,
                    "value": s.value,
                    "reason": reason_in_language(s.reason),
                    "algorithm_version": s.algorithm_version,
                    "change_from_baseline": changes.get(s.id, none).change_from_baseline,
                    "change_from_previous": changes.get(s.id, none).change_from_previous,
                    "beyond_mdc": changes.get(s.id, none).beyond_mdc,
                    "meaningful": changes.get(s.id, none).meaningful,
                    "mcid": s.definition.mcid,
                    "mdc": s.definition.mdc,
                }
                for s in sorted(response.scores.all(), key=lambda s: s.definition.position)
            ],
        }


class DueQuestionnaireSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    due_on = serializers.DateField()
    expires_on = serializers.DateField()
    reason = serializers.ChoiceField(
        choices=["baseline", "scheduled", "resolution", "requested", "surveillance"]
    )


class ScheduleRuleSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    baseline = serializers.BooleanField()
    every_days = serializers.IntegerField(allow_null=True)
    at_resolution = serializers.BooleanField()
    after_resolution_every_months = serializers.IntegerField(allow_null=True)
    after_resolution_months = serializers.IntegerField(allow_null=True)


class QuestionnaireScheduleSerializer(serializers.Serializer):
    episode = serializers.UUIDField()
    # DRF's metaclass takes declared fields off the class; the stubs see Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["deployment", "episode"],
        help_text="`deployment`: the defaults in force; `episode`: set by the care team.",
    )
    rules = ScheduleRuleSerializer(many=True)


class QuestionnaireRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    patient = serializers.UUIDField()
    instrument = serializers.CharField()
    requested_on = serializers.DateField()
    expires_on = serializers.DateField()
