"""Template filters of the dashboard: human rule names and how long a flag has waited."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from apps.dashboard.record_layers import score_name
from apps.flags.rules import rule_title as _rule_title

register = template.Library()


@register.filter
def rule_title(code: str) -> str:
    """The rule's human name (apps.flags.rules.rule_title): "Sudden severe pain"."""
    return _rule_title(code)


def waited(since: dt.datetime, now: dt.datetime | None = None) -> str:
    """ "25 min", "3 h", "2 d 4 h": how long since ``since``, to the unit that matters."""
    seconds = max(int(((now or timezone.now()) - since).total_seconds()), 0)
    minutes = seconds // 60
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h"
    days, rest = divmod(hours, 24)
    return f"{days} d {rest} h" if rest and days < 7 else f"{days} d"


@register.filter
def waiting(since: dt.datetime | None) -> str:
    return "" if since is None else waited(since)


@register.filter
def score_title(score: str, instrument: str) -> str:
    """A questionnaire score's readable name ("PSFS, mean of the activities")."""
    return score_name(str(instrument), str(score))
