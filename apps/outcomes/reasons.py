"""Why a score is null, in words. The reason is stored in English, the source language (the
care team's pages, the exports and ``rescore_outcomes``, which compares it, read it as
stored); a patient reads it in their own language: ``reason_in_language`` finds which of these
templates the stored text is and renders it again with ``gettext``, as a flag's stored
``patient_message`` is rendered again from its rule (docs/i18n.md)."""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

TOO_FEW_ANSWERED = gettext_noop(
    "%(answered)s of %(items)s items answered; the score needs %(needed)s"
)
NO_CONVERSION_TABLE = gettext_noop(
    "the conversion table is not loaded (it ships with the licensed file)"
)
PROFILE_INCOMPLETE = gettext_noop("a profile needs every item answered")
NOT_IN_CONVERSION_TABLE = gettext_noop("%(key)s is not in the conversion table")

#: Every reason scoring gives (apps/outcomes/scoring.py), as English templates.
REASONS = (TOO_FEW_ANSWERED, NO_CONVERSION_TABLE, PROFILE_INCOMPLETE, NOT_IN_CONVERSION_TABLE)

_PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(_PLACEHOLDER.sub(r"(?P<\1>.+?)", re.escape(template)))


_PATTERNS = [(template, _pattern(template)) for template in REASONS]


def reason_in_language(stored: str) -> str:
    """``stored`` (a score's English reason) in the active language; a text that is none of
    the templates (e.g. of an older algorithm version) as stored."""
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(stored)
        if match:
            return gettext(template) % match.groupdict()
    return stored
