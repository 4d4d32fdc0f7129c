"""An instrument in one language: picking the wording for the caller and the FHIR R4
``Questionnaire`` with that wording merged into the stored definition."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from apps.outcomes.models import Instrument, Wording


def pick_wording(instrument: Instrument, wanted: Sequence[str]) -> Wording | None:
    """The wording in the first of ``wanted`` languages that the instrument has (exact tag,
    then the primary subtag: ``es-MX`` finds ``es``), else any; None when it has none."""
    wordings = list(instrument.wordings.all())
    by_tag = {w.language.lower(): w for w in wordings}
    for tag in wanted:
        tag = tag.lower()
        if tag in by_tag:
            return by_tag[tag]
        primary = tag.split("-")[0]
        for language, wording in by_tag.items():
            if language.split("-")[0] == primary:
                return wording
    return wordings[0] if wordings else None


def fhir_questionnaire(instrument: Instrument, wording: Wording | None) -> dict[str, Any]:
    """The stored FHIR Questionnaire with the wording's texts and option displays (none for
    an instrument without wording: its definition only)."""
    resource: dict[str, Any] = copy.deepcopy(instrument.definition["questionnaire"])
    if wording is None:
        return resource
    resource["title"] = wording.title
    resource["language"] = wording.language
    for item in resource.get("item", []):
        text = wording.texts.get(item["linkId"], {})
        item["text"] = text.get("text", "")
        for option in item.get("answerOption", []):
            coding = option.get("valueCoding", {})
            display = (text.get("options") or {}).get(coding.get("code"))
            if display:
                coding["display"] = display
    return resource
