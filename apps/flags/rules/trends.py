"""Soon and routine rules: trends and counts over the last days (evaluated after commit)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.utils.translation import gettext_lazy

from apps.flags.rules.base import Rule, RuleResult, Severity, Thresholds, fmt, window
from apps.flags.snapshot import CheckInData, EpisodeSnapshot

ADVICE_SOON = gettext_lazy(
    "Your recent answers meet the criteria for talking to your care team in the next 2-3 days. "
    "They have been told. If things get much worse, call {helpline}."
)
ADVICE_ROUTINE = gettext_lazy(
    "Your recent answers are worth discussing at your next review; your care team can see "
    "them. If things get much worse, call {helpline}."
)


class CountRule(Rule):
    """Holds when a condition is met by check-ins on at least N of the last 7 days."""

    threshold_name: str
    label: str

    def condition(
        self, checkin: CheckInData, thresholds: Thresholds, snapshot: EpisodeSnapshot
    ) -> bool:
        raise NotImplementedError

    def extra_thresholds(self, thresholds: Thresholds, snapshot: EpisodeSnapshot) -> dict:
        return {}

    def value(self, checkin: CheckInData) -> object:
        raise NotImplementedError

    def precondition(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult | None:
        return None

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        early = self.precondition(snapshot, thresholds)
        if early is not None:
            return early
        day = snapshot.evaluated_on
        recent = window(snapshot, day, thresholds.window_days)
        needed = getattr(thresholds, self.threshold_name)
        used = {self.threshold_name: needed, "window_days": thresholds.window_days}
        used |= self.extra_thresholds(thresholds, snapshot)
        if not recent.checkins:
            return self.not_evaluated(
                f"no check-ins in the {thresholds.window_days} days ending {day}",
                window=[recent.dates[0], day],
                thresholds=used,
            )
        met = [c.date for c in recent.checkins if self.condition(c, thresholds, snapshot)]
        holds = len(met) >= needed
        return self.result(
            holds,
            f"{self.label} on {len(met)} of the last {thresholds.window_days} days "
            f"({'≥' if holds else '<'} {needed}; {len(recent.checkins)} days with a check-in)",
            window=[recent.dates[0], day],
            met_dates=met,
            values={c.date.isoformat(): self.value(c) for c in recent.checkins},
            missing_dates=recent.missing_dates,
            thresholds=used,
        )


class OtherHipPain(CountRule):
    """TOH can spread to the other hip. Holds when ``painful_sides`` includes the side not in
    the episode's ``affected_side`` on >= 2 of the last 7 days; never for ``both``."""

    code = "other_hip_pain"
    title = "Pain in the other hip"
    severity = Severity.SOON
    threshold_name = "other_hip_pain_days"
    label = "pain in the other hip"
    patient_message = gettext_lazy(
        "You have reported pain in your other hip. Please let your care team know in the next "
        "2-3 days; they have been told. If things get much worse, call {helpline}."
    )

    @staticmethod
    def other_side(affected_side: str) -> str | None:
        return {"left": "right", "right": "left"}.get(affected_side)

    def precondition(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult | None:
        if self.other_side(snapshot.affected_side) is None:
            return self.result(
                False,
                f"affected side is {snapshot.affected_side}: there is no other hip to watch",
                affected_side=snapshot.affected_side,
                thresholds={self.threshold_name: thresholds.other_hip_pain_days},
            )
        return None

    def condition(
        self, checkin: CheckInData, thresholds: Thresholds, snapshot: EpisodeSnapshot
    ) -> bool:
        return self.other_side(snapshot.affected_side) in checkin.painful_sides

    def value(self, checkin: CheckInData) -> object:
        return sorted(checkin.painful_sides)

    def extra_thresholds(self, thresholds: Thresholds, snapshot: EpisodeSnapshot) -> dict:
        return {"other_side": self.other_side(snapshot.affected_side)}


class DailyLifeAffected(CountRule):
    """NHS routine: hip pain that affects daily activities or sleep."""

    code = "daily_life_affected"
    title = "Daily life affected"
    severity = Severity.ROUTINE
    threshold_name = "daily_life_affected_days"
    label = "sleep or daily activities affected"
    patient_message = ADVICE_ROUTINE

    def condition(
        self, checkin: CheckInData, thresholds: Thresholds, snapshot: EpisodeSnapshot
    ) -> bool:
        return checkin.sleep_disturbed or checkin.daily_activities_affected

    def value(self, checkin: CheckInData) -> object:
        return {
            "sleep_disturbed": checkin.sleep_disturbed,
            "daily_activities_affected": checkin.daily_activities_affected,
        }


class MorningStiffness(CountRule):
    """NHS routine: stiffness for more than 30 minutes after waking."""

    code = "morning_stiffness"
    title = "Long morning stiffness"
    severity = Severity.ROUTINE
    threshold_name = "morning_stiffness_days"
    label = "morning stiffness over 30 minutes"
    patient_message = ADVICE_ROUTINE

    def condition(
        self, checkin: CheckInData, thresholds: Thresholds, snapshot: EpisodeSnapshot
    ) -> bool:
        return checkin.morning_stiffness_minutes > thresholds.morning_stiffness_minutes

    def value(self, checkin: CheckInData) -> object:
        return checkin.morning_stiffness_minutes

    def extra_thresholds(self, thresholds: Thresholds, snapshot: EpisodeSnapshot) -> dict:
        return {"morning_stiffness_minutes_over": thresholds.morning_stiffness_minutes}


class NotResolving(CountRule):
    """TOH usually resolves in 6-12 months: more than 365 days since symptom onset and
    ``pain_now`` >= 3 on >= 4 of the last 7 days."""

    code = "not_resolving"
    title = "Not resolving after a year"
    severity = Severity.ROUTINE
    threshold_name = "not_resolving_days"
    label = "pain 3 or more"
    patient_message = ADVICE_ROUTINE

    def precondition(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult | None:
        onset = snapshot.symptom_onset_date
        used = {"not_resolving_after_days": thresholds.not_resolving_after_days}
        if onset is None:
            return self.not_evaluated("no symptom onset date", thresholds=used)
        elapsed = (snapshot.evaluated_on - onset).days
        if elapsed <= thresholds.not_resolving_after_days:
            return self.result(
                False,
                f"{elapsed} days since symptom onset (≤ {thresholds.not_resolving_after_days})",
                symptom_onset_date=onset,
                days_since_onset=elapsed,
                thresholds=used,
            )
        return None

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        result = super().evaluate(snapshot, thresholds)
        onset = snapshot.symptom_onset_date
        if (
            result.holds is not None
            and onset is not None
            and "days_since_onset" not in result.evidence
        ):
            elapsed = (snapshot.evaluated_on - onset).days
            evidence = result.evidence | {
                "days_since_onset": elapsed,
                "symptom_onset_date": onset.isoformat(),
            }
            return RuleResult(
                result.holds, f"{elapsed} days since onset; {result.reason}", evidence
            )
        return result

    def condition(
        self, checkin: CheckInData, thresholds: Thresholds, snapshot: EpisodeSnapshot
    ) -> bool:
        return checkin.pain_now >= thresholds.not_resolving_pain_min

    def value(self, checkin: CheckInData) -> object:
        return checkin.pain_now

    def extra_thresholds(self, thresholds: Thresholds, snapshot: EpisodeSnapshot) -> dict:
        return {
            "not_resolving_pain_min": thresholds.not_resolving_pain_min,
            "not_resolving_after_days": thresholds.not_resolving_after_days,
        }


def _trend_window(snapshot: EpisodeSnapshot, end: dt.date, thresholds: Thresholds):
    """A 7-day window for a trend rule, or None when it has check-ins on fewer than 4 days."""
    found = window(snapshot, end, thresholds.window_days)
    return found, len(found.checkins) >= thresholds.trend_min_days


class PainWorsening(Rule):
    """NHS "gets worse"; the worsening threshold mirrors the improvement MCID (Farrar 2001: 2
    points or 30%), as no validated threshold for worsening exists. Holds when the mean
    ``pain_worst_24h`` of the last 7 days >= the mean of the 7 before + 2 and >= 1.3 × it."""

    code = "pain_worsening"
    title = "Pain getting worse"
    severity = Severity.SOON
    patient_message = ADVICE_SOON

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        used = thresholds.pick(
            "pain_worsening_rise", "pain_worsening_ratio", "window_days", "trend_min_days"
        )
        recent, recent_ok = _trend_window(snapshot, day, thresholds)
        earlier, earlier_ok = _trend_window(
            snapshot, day - dt.timedelta(days=thresholds.window_days), thresholds
        )
        evidence = {
            "last_7_days": recent.values("pain_worst_24h"),
            "previous_7_days": earlier.values("pain_worst_24h"),
            "thresholds": used,
        }
        for name, found, ok in (("last", recent, recent_ok), ("previous", earlier, earlier_ok)):
            if not ok:
                return self.not_evaluated(
                    f"{name} 7 days ({found.dates[0]}..{found.dates[-1]}) have check-ins on "
                    f"{len(found.checkins)} days (needs {thresholds.trend_min_days})",
                    **evidence,
                )
        now_mean = recent.mean("pain_worst_24h")
        before_mean = earlier.mean("pain_worst_24h")
        rise = Fraction(thresholds.pain_worsening_rise).limit_denominator(1000)
        ratio = Fraction(thresholds.pain_worsening_ratio).limit_denominator(1000)
        holds = now_mean >= before_mean + rise and now_mean >= ratio * before_mean
        return self.result(
            holds,
            f"7-day mean worst pain {fmt(now_mean)}, "
            f"{'up' if now_mean >= before_mean else 'down'} from {fmt(before_mean)}",
            mean_last_7_days=now_mean,
            mean_previous_7_days=before_mean,
            **evidence,
        )


class PainReturned(Rule):
    """NHS: pain that keeps coming back. Holds when, after a run of >= 7 consecutive check-in
    days with ``pain_now`` <= 2 (ending in the 28 days before the last 5 days), ``pain_now``
    >= 4 on 3 of the last 5 days; or on any ``pain_now`` >= 4 on an episode marked resolved."""

    code = "pain_returned"
    title = "Pain came back"
    severity = Severity.SOON
    patient_message = gettext_lazy(
        "Your pain seems to have come back. Please let your care team know in the next 2-3 "
        "days; they have been told. If things get much worse, call {helpline}."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        used = thresholds.pick(
            "pain_returned_low_max",
            "pain_returned_low_run_days",
            "pain_returned_lookback_days",
            "pain_returned_high_min",
            "pain_returned_high_days",
            "pain_returned_recent_days",
        )
        checkin = snapshot.checkin_on(day)
        if snapshot.episode_resolved:
            if checkin is None:
                return self.not_evaluated(
                    f"no check-in on {day}", episode_resolved=True, thresholds=used
                )
            holds = checkin.pain_now >= thresholds.pain_returned_high_min
            return self.result(
                holds,
                f"pain {checkin.pain_now} on {day} on an episode marked resolved"
                f" (resolved on {snapshot.resolved_on})",
                date=day,
                pain_now=checkin.pain_now,
                episode_resolved=True,
                resolved_on=snapshot.resolved_on,
                thresholds=used,
            )
        recent = window(snapshot, day, thresholds.pain_returned_recent_days)
        high = [c.date for c in recent.checkins if c.pain_now >= thresholds.pain_returned_high_min]
        evidence = {
            "recent_pain_now": recent.values("pain_now"),
            "high_dates": high,
            "thresholds": used,
        }
        if len(high) < thresholds.pain_returned_high_days:
            return self.result(
                False,
                f"pain ≥ {thresholds.pain_returned_high_min} on {len(high)} of the last "
                f"{thresholds.pain_returned_recent_days} days",
                **evidence,
            )
        run = self._low_run(snapshot, recent.dates[0], thresholds)
        if run is None:
            return self.result(
                False,
                f"pain ≥ {thresholds.pain_returned_high_min} on {len(high)} of the last "
                f"{thresholds.pain_returned_recent_days} days, but no earlier run of "
                f"{thresholds.pain_returned_low_run_days} check-in days with pain ≤ "
                f"{thresholds.pain_returned_low_max}",
                **evidence,
            )
        return self.result(
            True,
            f"pain ≥ {thresholds.pain_returned_high_min} on {len(high)} of the last "
            f"{thresholds.pain_returned_recent_days} days after pain ≤ "
            f"{thresholds.pain_returned_low_max} from {run[0]} to {run[-1]}",
            low_run=[run[0], run[-1]],
            **evidence,
        )

    @staticmethod
    def _low_run(
        snapshot: EpisodeSnapshot, before: dt.date, thresholds: Thresholds
    ) -> list[dt.date] | None:
        """The latest run of consecutive dates, each with a check-in with low pain, of at least
        the required length, ending before ``before`` within the lookback."""
        start = before - dt.timedelta(days=thresholds.pain_returned_lookback_days)
        run: list[dt.date] = []
        best: list[dt.date] | None = None
        day = start
        while day < before:
            checkin = snapshot.checkin_on(day)
            if checkin is not None and checkin.pain_now <= thresholds.pain_returned_low_max:
                run.append(day)
            else:
                run = []
            if len(run) >= thresholds.pain_returned_low_run_days:
                best = list(run)
            day += dt.timedelta(days=1)
        return best


class NoImprovementTwoWeeks(Rule):
    """NHS: hip pain that has not improved after 2 weeks of home treatment; Salaffi 2004 minimal
    important change (1 point or 15%). Holds when >= 14 days since ``home_treatment_started_on``
    and the last 7 days' mean ``pain_worst_24h`` is down by < 1 point and < 15% from the first 7
    days of treatment."""

    code = "no_improvement_2_weeks"
    title = "No improvement in 2 weeks"
    severity = Severity.ROUTINE
    patient_message = ADVICE_ROUTINE

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        started = snapshot.home_treatment_started_on
        used = thresholds.pick(
            "no_improvement_after_days",
            "no_improvement_min_drop_points",
            "no_improvement_min_drop_fraction",
            "window_days",
            "trend_min_days",
        )
        if started is None:
            return self.not_evaluated("no home_treatment_started_on", thresholds=used)
        elapsed = (day - started).days
        if elapsed < thresholds.no_improvement_after_days:
            return self.result(
                False,
                f"{elapsed} days of home treatment (< {thresholds.no_improvement_after_days})",
                home_treatment_started_on=started,
                days_of_treatment=elapsed,
                thresholds=used,
            )
        first_end = started + dt.timedelta(days=thresholds.window_days - 1)
        first, first_ok = _trend_window(snapshot, first_end, thresholds)
        recent, recent_ok = _trend_window(snapshot, day, thresholds)
        evidence = {
            "home_treatment_started_on": started,
            "days_of_treatment": elapsed,
            "first_7_days": first.values("pain_worst_24h"),
            "last_7_days": recent.values("pain_worst_24h"),
            "thresholds": used,
        }
        for name, found, ok in (("first", first, first_ok), ("last", recent, recent_ok)):
            if not ok:
                return self.not_evaluated(
                    f"{name} 7 days ({found.dates[0]}..{found.dates[-1]}) have check-ins on "
                    f"{len(found.checkins)} days (needs {thresholds.trend_min_days})",
                    **evidence,
                )
        first_mean = first.mean("pain_worst_24h")
        recent_mean = recent.mean("pain_worst_24h")
        drop = first_mean - recent_mean
        points = Fraction(thresholds.no_improvement_min_drop_points).limit_denominator(1000)
        share = Fraction(thresholds.no_improvement_min_drop_fraction).limit_denominator(1000)
        holds = drop < points and drop < share * first_mean
        return self.result(
            holds,
            f"7-day mean worst pain {fmt(recent_mean)} after {elapsed} days, "
            f"first week {fmt(first_mean)} (down {fmt(drop)})",
            mean_first_7_days=first_mean,
            mean_last_7_days=recent_mean,
            drop=drop,
            **evidence,
        )
