"""A patient the care team has not heard from: `lost_to_follow_up` (routine, daily digest)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from apps.flags.activity import ACTIVITY_SOURCES
from apps.flags.rules.base import Rule, RuleResult, Severity, Thresholds
from apps.flags.snapshot import EpisodeSnapshot, dates_ending

_LABELS = {source.kind: source.label for source in ACTIVITY_SOURCES}


def _label(kind: str) -> str:
    return _LABELS.get(kind, kind.replace("_", " "))


def _any_of(kinds: list[str]) -> str:
    """The kinds in words: check-in, exercise session or questionnaire response."""
    labels = [_label(kind) for kind in kinds]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


class LostToFollowUp(Rule):
    """A silent patient may be getting worse (CLINICAL_RULES.md: lost_to_follow_up). Holds on
    an active episode when none of the patient's records (check-in, exercise session and,
    once they exist, questionnaire response: apps.flags.activity.ACTIVITY_SOURCES) is dated
    on the 7 local dates before today. Evaluated only by the nightly sweep for the patient's
    local today; the care team is told in its daily digest. Not evaluated until the episode
    has existed for those 7 dates (counted from the local date it was created: enrolment);
    a record dated today means the patient has been heard from, so it does not hold."""

    code = "lost_to_follow_up"
    title = "Lost to follow-up"
    severity = Severity.ROUTINE
    digest_detail = True
    patient_message = gettext_lazy(
        "Your care team has not heard from you for over a week. Please do a check-in, or "
        "contact your care team if anything has changed or you need help."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        used = thresholds.pick("lost_to_follow_up_days")
        days = thresholds.lost_to_follow_up_days
        if not snapshot.nightly or snapshot.evaluated_on != snapshot.today:
            return self.not_evaluated("evaluated by the nightly sweep only", thresholds=used)
        today = snapshot.today
        if snapshot.episode_resolved:
            return self.result(False, "the episode is resolved", thresholds=used)
        if not snapshot.last_activity:
            return self.not_evaluated(
                "the patient's latest records were not loaded", thresholds=used
            )
        window = dates_ending(today - dt.timedelta(days=1), days)
        started = snapshot.episode_started_on
        if started is None or window[0] < started:
            return self.not_evaluated(
                f"the episode started on {started}, fewer than {days} days before {today}",
                episode_started_on=started,
                thresholds=used,
            )
        last = {
            kind: (day if day is not None and day <= today else None)
            for kind, day in snapshot.last_activity.items()
        }
        latest = max((day for day in last.values() if day is not None), default=None)
        # Silent from the day after the latest record, or from enrolment if that is later.
        silent_since = started if latest is None else max(latest + dt.timedelta(days=1), started)
        days_silent = max((today - silent_since).days, 0)
        holds = days_silent >= days
        lasts = ", ".join(f"last {_label(kind)} {day or 'none'}" for kind, day in last.items())
        if holds:
            reason = (
                f"no {_any_of(list(last))} for {days_silent} days (≥ {days}) since "
                f"{silent_since}: {lasts}"
            )
        else:
            kind = next(kind for kind, day in last.items() if day == latest)
            reason = f"{_label(kind)} on {latest}: {days_silent} days silent (< {days})"
        return self.result(
            holds,
            reason,
            window=[window[0], window[-1]],
            last_activity=last,
            last_activity_date=latest,
            silent_since=silent_since,
            days_silent=days_silent,
            episode_started_on=started,
            thresholds=used,
        )
