"""A flag's evidence (the JSON a rule stored: dates, values, thresholds) as rows a person can
read: what happened, on which dates, against which thresholds. Pure: no database."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

#: Keys shown first, in this order; the rest follow as the rule stored them.
_FIRST = ("reason", "date")


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    value: str
    is_threshold: bool = False


def _label(key: str) -> str:
    return str(key).replace("_", " ").capitalize()


def _date(value: str) -> str:
    """An ISO date as "3 Mar 2026"; anything else unchanged."""
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return f"{day.day} {day:%b %Y}"


def _scalar(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, str):
        return _date(value)
    return str(value)


def format_value(value: Any) -> str:
    """Lists and mappings on one line: "3 Mar 2026: 4; 4 Mar 2026: 6"."""
    if isinstance(value, dict):
        return "; ".join(f"{_scalar(key)}: {format_value(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        return ", ".join(format_value(item) for item in value)
    return _scalar(value)


def evidence_rows(evidence: Any) -> list[EvidenceRow]:
    """The evidence as (label, value) rows, the rule's thresholds last and marked."""
    if not isinstance(evidence, dict):
        return [EvidenceRow("Evidence", format_value(evidence))]
    keys = [key for key in _FIRST if key in evidence]
    keys += [key for key in evidence if key not in _FIRST and key != "thresholds"]
    rows = [EvidenceRow(_label(key), format_value(evidence[key])) for key in keys]
    thresholds = evidence.get("thresholds")
    if isinstance(thresholds, dict):
        rows += [
            EvidenceRow(_label(name), format_value(value), is_threshold=True)
            for name, value in thresholds.items()
        ]
    return rows


def evidence_json(evidence: Any) -> str:
    return json.dumps(evidence, indent=2, sort_keys=True, default=str)
