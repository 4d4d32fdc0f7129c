"""Info rules: engagement, not clinical. Dashboard only (and an extra reminder)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.utils.translation import gettext_lazy

from apps.flags.rules.base import Rule, RuleResult, Severity, Thresholds, fmt
from apps.flags.snapshot import EpisodeSnapshot, dates_ending


class LowAdherence(Rule):
    """Home exercise adherence: sessions done / sessions prescribed; 80% is the usual cut-off.
    Holds when over the last 7 days done / prescribed < 0.8, with a plan in force all 7 days."""

    code = "low_adherence"
    title = "Exercises: low adherence"
    severity = Severity.INFO
    patient_message = gettext_lazy(
        "You have done fewer of your exercises than planned this week. Little and often helps; "
        "tell your care team if something makes them hard."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        used = thresholds.pick("low_adherence_ratio", "window_days")
        found = snapshot.adherence.get(day)
        if found is None or found.days != thresholds.window_days:
            return self.not_evaluated(
                f"no exercise record loaded for the {thresholds.window_days} days ending {day}",
                thresholds=used,
            )
        window = [found.date_from, found.date_to]
        if found.days_with_plan_in_force < thresholds.window_days:
            return self.not_evaluated(
                f"a plan was in force on {found.days_with_plan_in_force} of the last "
                f"{thresholds.window_days} days (needs all)",
                window=window,
                days_with_plan_in_force=found.days_with_plan_in_force,
                thresholds=used,
            )
        ratio = found.adherence
        if ratio is None:
            return self.not_evaluated(
                "the plan prescribes no sessions", window=window, thresholds=used
            )
        cut = Fraction(thresholds.low_adherence_ratio).limit_denominator(1000)
        holds = ratio < cut
        return self.result(
            holds,
            f"{fmt(found.sessions_counted)} of {fmt(found.sessions_prescribed)} prescribed "
            f"sessions done in the last {thresholds.window_days} days ({fmt(ratio * 100)}%, "
            f"{'<' if holds else '≥'} {fmt(cut * 100)}%)",
            window=window,
            sessions_done=found.sessions_done,
            sessions_counted=found.sessions_counted,
            sessions_prescribed=found.sessions_prescribed,
            adherence=ratio,
            thresholds=used,
        )


class MissedCheckins(Rule):
    """Engagement: no check-in for the 3 local dates before today. Evaluated only by the
    nightly sweep for the patient's local today."""

    code = "missed_checkins"
    title = "Missed check-ins"
    severity = Severity.INFO
    patient_message = gettext_lazy(
        "We have not heard from you for a few days. A quick check-in helps your care team "
        "follow your recovery."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        used = thresholds.pick("missed_checkins_days")
        if not snapshot.nightly or snapshot.evaluated_on != snapshot.today:
            return self.not_evaluated("evaluated by the nightly sweep only", thresholds=used)
        day = snapshot.evaluated_on
        dates = dates_ending(day - dt.timedelta(days=1), thresholds.missed_checkins_days)
        started = snapshot.episode_started_on
        if started is not None and dates[0] < started:
            return self.not_evaluated(
                f"the episode started on {started}, fewer than "
                f"{thresholds.missed_checkins_days} days before {day}",
                thresholds=used,
            )
        present = [d for d in dates if snapshot.checkin_on(d) is not None]
        holds = not present
        return self.result(
            holds,
            f"no check-in from {dates[0]} to {dates[-1]}"
            if holds
            else f"check-in on {present[-1]}",
            dates=dates,
            checkin_dates=present,
            thresholds=used,
        )
