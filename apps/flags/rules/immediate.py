"""Emergency and urgent rules: evaluated inside the check-in request as well as afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy

from apps.flags.rules.base import (
    Rule,
    RuleResult,
    Severity,
    Thresholds,
    baseline,
    fmt,
)
from apps.flags.snapshot import WALKING_AID_ORDER, EpisodeSnapshot

NO_CHECKIN = "no check-in on {day}"


class RedFlagRule(Rule):
    """Holds when the evaluated date's check-in lists one red flag (``red_flag``)."""

    red_flag: str
    label: str

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        checkin = snapshot.checkin_on(day)
        if checkin is None:
            return self.not_evaluated(NO_CHECKIN.format(day=day), date=day)
        listed = self.red_flag in checkin.red_flags
        reason = (
            f"{self.label} reported on {day}" if listed else f"{self.label} not reported on {day}"
        )
        return self.result(
            listed,
            reason,
            date=day,
            red_flags=checkin.red_flags,
            thresholds={"red_flag": self.red_flag},
        )


class FallOrInjury(RedFlagRule):
    """NHS: go to A&E / call the emergency number after a fall or injury to the hip; in TOH the
    weakened femoral neck can fracture."""

    code = "fall_or_injury"
    title = "Fall or injury"
    severity = Severity.EMERGENCY
    red_flag = "fall_or_injury"
    label = "Fall or injury"
    patient_message = gettext_lazy(
        "You reported a fall or injury. Call {emergency_number} or go to A&E now, and do not "
        "put weight on the leg until you have been checked."
    )


class LegDeformity(RedFlagRule):
    """TOH fracture warning sign: a leg that looks shortened or turned outwards."""

    code = "leg_deformity"
    title = "Leg short or turned out"
    severity = Severity.EMERGENCY
    red_flag = "leg_short_or_turned_out"
    label = "Leg looking shortened or turned outwards"
    patient_message = gettext_lazy(
        "You reported that your leg looks shorter or turned outwards. Call {emergency_number} "
        "or go to A&E now, and do not put weight on the leg."
    )


class SkinColourChange(RedFlagRule):
    """NHS urgent (same day): the skin around the hip changes colour."""

    code = "skin_colour_change"
    title = "Skin colour change"
    severity = Severity.URGENT
    red_flag = "skin_colour_change"
    label = "Skin colour change around the hip"
    patient_message = gettext_lazy(
        "You reported a change in skin colour around your hip. Please get medical advice "
        "today: call {helpline} or your care team. If you feel very unwell, call "
        "{emergency_number}."
    )


class CannotBearWeight(Rule):
    """NHS emergency: cannot walk or put weight on the leg; a TOH fracture warning sign.
    Holds on the first check-in reporting ``weight_bearing: none`` after one that did not
    (or with no earlier check-in in the loaded 35 days)."""

    code = "cannot_bear_weight"
    title = "Cannot bear weight"
    severity = Severity.EMERGENCY
    patient_message = gettext_lazy(
        "You reported that you cannot put weight on your leg. Call {emergency_number} or go "
        "to A&E now, and do not try to walk on it."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        checkin = snapshot.checkin_on(day)
        if checkin is None:
            return self.not_evaluated(NO_CHECKIN.format(day=day), date=day)
        previous = snapshot.previous_checkin(day)
        evidence = {
            "date": day,
            "weight_bearing": checkin.weight_bearing,
            "previous_date": previous.date if previous else None,
            "previous_weight_bearing": previous.weight_bearing if previous else None,
            "thresholds": {"weight_bearing": "none", "previous_weight_bearing": "not none"},
        }
        if checkin.weight_bearing != "none":
            return self.result(
                False, f"weight bearing {checkin.weight_bearing} on {day}", **evidence
            )
        if previous is not None and previous.weight_bearing == "none":
            return self.result(
                False,
                f"weight bearing none on {day}, already none on {previous.date}",
                **evidence,
            )
        before = (
            f"{previous.weight_bearing} on {previous.date}" if previous else "no earlier check-in"
        )
        return self.result(True, f"cannot bear weight on {day} (before: {before})", **evidence)


class NerveSymptomsAfterInjury(Rule):
    """NHS emergency: tingling or loss of feeling in the hip or leg after an injury."""

    code = "nerve_symptoms_after_injury"
    title = "Numbness or tingling after an injury"
    severity = Severity.EMERGENCY
    patient_message = gettext_lazy(
        "You reported numbness or tingling after a fall or injury. Call {emergency_number} or "
        "go to A&E now."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        checkin = snapshot.checkin_on(day)
        if checkin is None:
            return self.not_evaluated(NO_CHECKIN.format(day=day), date=day)
        day_before = day - dt.timedelta(days=1)
        previous = snapshot.checkin_on(day_before)
        injury_dates = [
            c.date for c in (previous, checkin) if c is not None and "fall_or_injury" in c.red_flags
        ]
        numb = "numbness_or_tingling" in checkin.red_flags
        holds = numb and bool(injury_dates)
        if holds:
            reason = f"numbness or tingling on {day} after a fall or injury on {injury_dates[-1]}"
        elif numb:
            reason = f"numbness or tingling on {day} without a fall or injury on {day_before}/{day}"
        else:
            reason = f"no numbness or tingling on {day}"
        return self.result(
            holds,
            reason,
            date=day,
            red_flags=checkin.red_flags,
            fall_or_injury_dates=injury_dates,
            day_before_has_checkin=previous is not None,
            thresholds={
                "red_flag": "numbness_or_tingling",
                "with": "fall_or_injury on the date or the day before",
            },
        )


class InfectionSigns(Rule):
    """NHS urgent: a hot, swollen hip, or hip pain with fever or feeling unwell. Both signs
    together make it an emergency."""

    code = "infection_signs"
    title = "Signs of infection"
    severity = Severity.URGENT
    patient_message = gettext_lazy(
        "You reported feeling unwell or feverish, or a hot or swollen hip. Please get medical "
        "advice today: call {helpline} or your care team. If you feel very unwell, call "
        "{emergency_number}."
    )
    emergency_message = gettext_lazy(
        "You reported a hot or swollen hip and feeling unwell or feverish. Call "
        "{emergency_number} or go to A&E now."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        checkin = snapshot.checkin_on(day)
        if checkin is None:
            return self.not_evaluated(NO_CHECKIN.format(day=day), date=day)
        signs = sorted({"fever_or_unwell", "hip_hot_or_swollen"} & checkin.red_flags)
        evidence = {
            "date": day,
            "signs": signs,
            "thresholds": {
                "any_of": ["fever_or_unwell", "hip_hot_or_swollen"],
                "emergency_when": "both",
            },
        }
        if not signs:
            return self.result(False, f"no infection signs on {day}", **evidence)
        result = self.result(True, f"{' and '.join(signs)} on {day}", **evidence)
        if len(signs) == 2:
            return RuleResult(
                holds=True,
                reason=result.reason,
                evidence=result.evidence,
                severity=Severity.EMERGENCY,
            )
        return result


class SuddenSeverePain(Rule):
    """NHS urgent: severe pain that starts suddenly without an injury; a TOH fracture sign.
    Holds when ``pain_worst_24h`` >= 8 and >= its baseline + 3, without ``fall_or_injury``."""

    code = "sudden_severe_pain"
    title = "Sudden severe pain"
    severity = Severity.URGENT
    patient_message = gettext_lazy(
        "You reported sudden severe pain. Please get medical advice today: call {helpline} or "
        "your care team, and rest the leg. If you cannot put weight on it, call "
        "{emergency_number}."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        checkin = snapshot.checkin_on(day)
        used = thresholds.pick(
            "sudden_severe_pain_min",
            "sudden_severe_pain_rise",
            "baseline_days",
            "baseline_min_checkins",
        )
        if checkin is None:
            return self.not_evaluated(NO_CHECKIN.format(day=day), date=day, thresholds=used)
        pain = checkin.pain_worst_24h
        if "fall_or_injury" in checkin.red_flags:
            # An injury is its own emergency rule; this one is about pain without one.
            return self.result(
                False,
                f"fall or injury reported on {day} (covered by fall_or_injury)",
                date=day,
                pain_worst_24h=pain,
                thresholds=used,
            )
        # Below the absolute threshold the rule cannot hold whatever the baseline: no guess.
        if pain < thresholds.sudden_severe_pain_min:
            return self.result(
                False,
                f"worst pain {pain} on {day} is below {thresholds.sudden_severe_pain_min}",
                date=day,
                pain_worst_24h=pain,
                thresholds=used,
            )
        mean, before = baseline(snapshot, day, "pain_worst_24h", thresholds)
        baseline_values = before.values("pain_worst_24h")
        if mean is None:
            return self.not_evaluated(
                f"no baseline: {len(before.checkins)} check-ins in the 7 days before {day} "
                f"(needs {thresholds.baseline_min_checkins})",
                date=day,
                pain_worst_24h=pain,
                baseline_values=baseline_values,
                thresholds=used,
            )
        limit = mean + thresholds.sudden_severe_pain_rise
        holds = pain >= limit
        reason = (
            f"worst pain {pain} on {day}, baseline {fmt(mean)} "
            f"({'≥' if holds else '<'} {fmt(limit)})"
        )
        return self.result(
            holds,
            reason,
            date=day,
            pain_worst_24h=pain,
            baseline=mean,
            baseline_values=baseline_values,
            thresholds=used,
        )


def _heavier_aid(snapshot: EpisodeSnapshot, day: dt.date) -> tuple[bool, dict[str, str]]:
    """Whether the aid on ``day`` is heavier than every aid reported in the 7 days before."""
    checkin = snapshot.checkin_on(day)
    week = {}
    for offset in range(1, 8):
        earlier = snapshot.checkin_on(day - dt.timedelta(days=offset))
        if earlier is not None:
            week[earlier.date.isoformat()] = earlier.walking_aid
    if checkin is None or not week:
        return False, week
    rank = WALKING_AID_ORDER.index
    return all(rank(checkin.walking_aid) > rank(aid) for aid in week.values()), week


class PossibleFracture(Rule):
    """TOH fracture warning signs: pain on weight bearing rising, with pain at night or at rest
    or a heavier walking aid, on two days running. Holds when on the evaluated date and the day
    before ``pain_weight_bearing`` >= its baseline + 2, and ``night_or_rest_pain`` or a walking
    aid heavier than every aid of the 7 days before."""

    code = "possible_fracture"
    title = "Possible fracture"
    severity = Severity.URGENT
    patient_message = gettext_lazy(
        "Your answers over the last two days show pain when standing that is getting worse. "
        "Please get medical advice today: call {helpline} or your care team, and keep weight "
        "off the leg. If you cannot put weight on it, call {emergency_number}."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        used = thresholds.pick(
            "possible_fracture_rise", "baseline_days", "baseline_min_checkins"
        ) | {"walking_aid_order": list(WALKING_AID_ORDER)}
        days_evidence: list[dict[str, Any]] = []
        all_hold = True
        for checked in (day - dt.timedelta(days=1), day):
            checkin = snapshot.checkin_on(checked)
            if checkin is None:
                return self.not_evaluated(
                    NO_CHECKIN.format(day=checked), dates=days_evidence, thresholds=used
                )
            if checkin.pain_weight_bearing is None:
                return self.not_evaluated(
                    f"no pain_weight_bearing on {checked}", dates=days_evidence, thresholds=used
                )
            mean, before = baseline(snapshot, checked, "pain_weight_bearing", thresholds)
            if mean is None:
                return self.not_evaluated(
                    f"no pain_weight_bearing baseline for {checked}: "
                    f"{len(before.checkins)} check-ins in the 7 days before "
                    f"(needs {thresholds.baseline_min_checkins})",
                    dates=days_evidence,
                    thresholds=used,
                )
            heavier, week_aids = _heavier_aid(snapshot, checked)
            rising = checkin.pain_weight_bearing >= mean + thresholds.possible_fracture_rise
            day_holds = rising and (checkin.night_or_rest_pain or heavier)
            all_hold = all_hold and day_holds
            days_evidence.append(
                {
                    "date": checked,
                    "pain_weight_bearing": checkin.pain_weight_bearing,
                    "baseline": mean,
                    "night_or_rest_pain": checkin.night_or_rest_pain,
                    "walking_aid": checkin.walking_aid,
                    "walking_aids_week_before": week_aids,
                    "heavier_aid": heavier,
                    "met": day_holds,
                }
            )
        summary = "; ".join(
            f"{item['date']}: weight-bearing pain {item['pain_weight_bearing']} vs baseline "
            f"{fmt(item['baseline'])}"
            + (", night/rest pain" if item["night_or_rest_pain"] else "")
            + (f", heavier aid ({item['walking_aid']})" if item["heavier_aid"] else "")
            for item in days_evidence
        )
        return self.result(all_hold, summary, dates=days_evidence, thresholds=used)
