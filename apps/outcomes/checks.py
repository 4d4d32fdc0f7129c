"""A questionnaire response checked against the instrument version it names (read by
apps/outcomes/catalogue.py, cached per process): its language and each answer weighed
against the items (`check_response`). Used by apps/outcomes/services.py, which decides and
stores."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.outcomes.models import Instrument, Item


def _answer_weight(item: Item, value: Any) -> tuple[float | None, str | None]:
    """The number an answer scores (None for text), or the problem with it."""
    if item.kind == "choice":
        weights = {option.code: option.weight for option in item.options.all()}
        if str(value) not in weights:
            return None, _("not an option (one of %(codes)s)") % {"codes": ", ".join(weights)}
        return weights[str(value)], None
    if item.kind == "string":
        return (None, None) if isinstance(value, str) else (None, _("expected a text"))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, _("expected a number")
    if item.kind == "integer" and not float(value).is_integer():
        return None, _("expected a whole number")
    low, high = item.min_value, item.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        return None, _("must be between %(low)s and %(high)s") % {
            "low": f"{low:g}",
            "high": f"{high:g}",
        }
    return float(value), None


def check_response(
    data: dict[str, Any], instrument: Instrument | None
) -> tuple[dict[str, list[str]], dict[str, float | None]]:
    errors: dict[str, list[str]] = {}
    if instrument is None:
        return {"instrument_version": [_("No such instrument version.")]}, {}
    languages = {wording.language for wording in instrument.wordings.all()}
    if not languages:
        return {"instrument": [_("This instrument is not available in this deployment.")]}, {}
    if data["language"] not in languages:
        errors["language"] = [
            _("Not a language of this instrument (%(languages)s).")
            % {"languages": ", ".join(sorted(languages))}
        ]
    items = {item.link_id: item for item in instrument.items.all()}
    weights: dict[str, float | None] = {}
    problems = []
    for answer in data["answers"]:
        item = items.get(answer["item"])
        if item is None:
            problems.append(
                _("%(item)s: not an item of %(instrument)s.")
                % {"item": answer["item"], "instrument": instrument.code}
            )
            continue
        weight, problem = _answer_weight(item, answer["value"])
        if problem:
            problems.append(
                _("%(item)s: %(problem)s.") % {"item": answer["item"], "problem": problem}
            )
        weights[item.link_id] = weight
    if problems:
        errors["answers"] = problems
    return errors, weights
