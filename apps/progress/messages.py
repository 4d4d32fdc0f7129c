"""The plain-words paragraph of `GET me/progress/` (``message``), made from templates.

Never a diagnosis: it says where the patient's own numbers are against the usual course of the
condition, and points to the advice. An open emergency or urgent flag comes first, with its
advice, before anything reassuring. Rendered in the active language (the request's, see
apps.core.i18n): numbers and dates are formatted for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.progress.course import ExpectedPoint
from apps.progress.phase import Phase, PhaseDecision


@dataclass(frozen=True)
class MessageFacts:
    week: int | None
    decision: PhaseDecision
    expected: ExpectedPoint | None
    pain_7d_mean: float | None
    #: The advice of open emergency and urgent flags, most severe first.
    urgent_advice: tuple[str, ...] = ()
    #: Other open flags (soon, routine, info): the patient is pointed to their advice.
    other_open_flags: int = 0
    resolved_on: dt.date | None = None
    #: After resolution: whether daily check-in reminders continue (the patient asked).
    checkins_after_resolution: bool = False
    #: Questionnaires due now (`next.questionnaires_due`).
    questionnaires_due: int = 0
    #: After resolution: the monthly joint check is one of them.
    joint_check_due: bool = False


def _number(value: float) -> str:
    return formats.number_format(round(value, 1), 1, use_l10n=True)


def _phase_sentence(decision: PhaseDecision) -> str:
    code = decision.code
    if decision.phase == Phase.EASING and decision.easing_weeks >= 2:
        return ngettext(
            "Your pain has eased for %(weeks)d week.",
            "Your pain has eased for %(weeks)d weeks.",
            decision.easing_weeks,
        ) % {"weeks": decision.easing_weeks}
    sentences = {
        "rising": _("Your pain has gone up over the last week."),
        "falling": _("Your pain has eased over the last week."),
        "low_and_steady": _("Your pain is low and steady."),
        "steady_below_worst": _("Your pain is steady and well below your worst week."),
        "steady_early": _("Your pain has been steady over the last week."),
        "steady_at_worst": _(
            "Your pain has been about the same over the last week, close to your worst so far."
        ),
    }
    return sentences.get(code, decision.reason)


def _course_sentence(decision: PhaseDecision, expected: ExpectedPoint | None) -> str:
    if expected is None:
        return ""
    if expected.stage == "building":
        return _(
            "In this condition pain often builds for the first weeks before it eases. "
            "Most people recover within 6 to 12 months."
        )
    if decision.phase == Phase.EASING:
        return _(
            "Most people with this condition are past their worst by now and recover within "
            "6 to 12 months."
        )
    return _(
        "By this stage pain usually starts to ease, and most people recover within 6 to 12 "
        "months. If your pain keeps getting worse, tell your care team."
    )


def _resolved_sentences(facts: MessageFacts) -> list[str]:
    parts = []
    if facts.resolved_on is not None:
        parts.append(
            _("Your care team marked this episode resolved on %(date)s.")
            % {"date": formats.date_format(facts.resolved_on, "DATE_FORMAT", use_l10n=True)}
        )
    else:
        parts.append(_("Your care team marked this episode resolved."))
    parts.append(
        _(
            "A short monthly joint check continues for 24 months, because this condition can "
            "come back or move to another joint."
        )
    )
    if facts.checkins_after_resolution:
        parts.append(_("Daily check-in reminders continue, as you asked."))
    else:
        parts.append(
            _(
                "Daily check-in reminders have stopped; you can turn them back on in your "
                "reminder settings."
            )
        )
    return parts


def _questionnaire_sentences(facts: MessageFacts) -> list[str]:
    """What is due, in plain words: after resolution the monthly joint check by name."""
    count = facts.questionnaires_due
    if facts.decision.phase == Phase.RESOLVED and facts.joint_check_due:
        parts = [_("Your monthly joint check is due now: it takes a minute in the app.")]
        count -= 1
        if count:
            parts.append(
                ngettext(
                    "Another short questionnaire is also waiting for you.",
                    "%(count)d other short questionnaires are also waiting for you.",
                    count,
                )
                % {"count": count}
            )
        return parts
    if not count:
        return []
    return [
        ngettext(
            "A short questionnaire about how you are doing is waiting for you in the app.",
            "%(count)d short questionnaires about how you are doing are waiting for you in "
            "the app.",
            count,
        )
        % {"count": count}
    ]


def progress_message(facts: MessageFacts) -> str:
    """The paragraph, sentence by sentence (see the module docstring)."""
    parts: list[str] = []
    if facts.urgent_advice:
        parts.append(_("Please read this first:"))
        parts.extend(facts.urgent_advice)
    decision = facts.decision
    if decision.phase == Phase.RESOLVED:
        parts.extend(_resolved_sentences(facts))
    elif decision.phase == Phase.UNKNOWN:
        if facts.week is not None:
            parts.append(_("Week %(week)d.") % {"week": facts.week})
        parts.append(decision.reason)
        parts.append(_("Checking in every day shows where you are in your recovery."))
    else:
        parts.append(_("Week %(week)d.") % {"week": facts.week})
        parts.append(_phase_sentence(decision))
        if facts.pain_7d_mean is not None:
            parts.append(
                _("Your average pain over the last 7 days was %(mean)s out of 10.")
                % {"mean": _number(facts.pain_7d_mean)}
            )
        if not facts.urgent_advice:
            parts.append(_course_sentence(decision, facts.expected))
    parts.extend(_questionnaire_sentences(facts))
    if facts.other_open_flags:
        parts.append(
            ngettext(
                "There is advice for you in the app about your recent answers: please read it.",
                "There are %(count)d pieces of advice for you in the app about your recent "
                "answers: please read them.",
                facts.other_open_flags,
            )
            % {"count": facts.other_open_flags}
        )
    return " ".join(part for part in parts if part)
