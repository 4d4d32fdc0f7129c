"""Rules on questionnaire scores (CLINICAL_RULES.md: outcome_worsened,
new_joint_pain_after_resolution). They read ``EpisodeSnapshot.scores`` only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.flags.rules.base import Rule, RuleResult, Severity, Thresholds, fmt
from apps.flags.snapshot import EpisodeSnapshot

if TYPE_CHECKING:
    from apps.flags.snapshot_outcomes import ScoreData

JOINT_CHECK_SITES = ("new_pain_other_hip", "new_pain_knee", "new_pain_ankle", "new_pain_foot")


def _towards_better(change: float, better: str) -> float:
    return change if better == "higher" else -change


def _worse_by(latest: ScoreData, earlier: ScoreData, *, mcid: float, mdc: float | None) -> bool:
    change = (latest.value or 0) - (earlier.value or 0)
    worse = -_towards_better(change, latest.better)
    return worse >= mcid - 1e-9 and (mdc is None or abs(change) > mdc)


def _describe(point: ScoreData) -> dict[str, Any]:
    return {"date": point.date, "value": point.value, "response": str(point.response_id)}


class OutcomeWorsened(Rule):
    """Function getting worse beyond measurement noise: a questionnaire score is worse than
    the patient's previous score of the same instrument by >= its MCID, or worse than the
    baseline (the episode's first) score by >= its MCID, and that change exceeds the MDC
    (CLINICAL_RULES.md). Scores without a published MCID are not judged; a score without a
    published MDC is judged on its MCID alone (the evidence says so). MCID and MDC sources:
    docs/outcomes.md."""

    code = "outcome_worsened"
    title = "Questionnaire score worse"
    severity = Severity.SOON
    digest_detail = True
    patient_message = (
        "Your latest questionnaire shows your hip is doing worse than before. Your care team "
        "will look at it; contact them if you are worried."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        used = thresholds.pick("outcome_worsened_mcid_factor")
        series: dict[tuple[str, str], list[ScoreData]] = {}
        for point in snapshot.scores:
            if point.value is not None and point.date <= snapshot.evaluated_on:
                series.setdefault((point.instrument, point.score), []).append(point)
        judged = {key: points for key, points in series.items() if points[-1].mcid}
        if not any(len(points) >= 2 for points in judged.values()):
            return self.not_evaluated(
                f"no score with an MCID has two values on or before {snapshot.evaluated_on}",
                thresholds=used,
            )
        worsened: list[dict[str, Any]] = []
        for (instrument, code), points in sorted(judged.items()):
            if len(points) < 2:
                continue
            latest, previous, baseline = points[-1], points[-2], points[0]
            mcid = float(latest.mcid or 0) * thresholds.outcome_worsened_mcid_factor
            against = [
                name
                for name, earlier in (("previous", previous), ("baseline", baseline))
                if _worse_by(latest, earlier, mcid=mcid, mdc=latest.mdc)
            ]
            if against:
                worsened.append(
                    {
                        "instrument": instrument,
                        "score": code,
                        "better": latest.better,
                        "latest": _describe(latest),
                        "previous": _describe(previous),
                        "baseline": _describe(baseline),
                        "worse_than": against,
                        "mcid": mcid,
                        "mdc": latest.mdc,
                        "mdc_note": ""
                        if latest.mdc is not None
                        else "no MDC published: MCID alone",
                    }
                )
        if not worsened:
            return self.result(False, "no score worse by its MCID beyond its MDC", thresholds=used)
        first = worsened[0]
        earlier = first[first["worse_than"][0]]
        reason = (
            f"{first['instrument']} {first['score']} {fmt(first['latest']['value'])} on "
            f"{first['latest']['date']}, from {fmt(earlier['value'])} on {earlier['date']} "
            f"({first['worse_than'][0]}; MCID {fmt(first['mcid'])}"
            + (f", MDC {fmt(first['mdc'])})" if first["mdc"] is not None else ", no MDC)")
        )
        return self.result(True, reason, scores=worsened, thresholds=used)


class NewJointPainAfterResolution(Rule):
    """TOH recurs in up to 30% and can migrate to other joints (regional migratory
    osteoporosis; CLINICAL_RULES.md). On a resolved episode, the latest joint check on or
    after the resolution date reports new pain in the other hip, a knee, an ankle or a
    foot."""

    code = "new_joint_pain_after_resolution"
    title = "New joint pain after resolution"
    severity = Severity.SOON
    digest_detail = True
    patient_message = (
        "You reported new pain in another joint. Please contact your care team so they can "
        "check it; if you cannot put weight on the leg, call {emergency_number}."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        used = thresholds.pick("new_joint_pain_min_sites")
        resolved = snapshot.resolved_on
        if not snapshot.episode_resolved or resolved is None:
            return self.not_evaluated("the episode is not resolved", thresholds=used)
        checks = [
            p
            for p in snapshot.scores
            if p.instrument == "joint_check"
            and p.score == "sites_with_new_pain"
            and resolved <= p.date <= snapshot.evaluated_on
        ]
        if not checks:
            return self.not_evaluated(
                f"no joint check from {resolved} to {snapshot.evaluated_on}", thresholds=used
            )
        latest = checks[-1]
        sites = sorted(
            s.removeprefix("new_pain_") for s in latest.positive_items & set(JOINT_CHECK_SITES)
        )
        worst = next(
            (
                p.value
                for p in snapshot.scores
                if p.response_id == latest.response_id and p.score == "worst_new_pain"
            ),
            None,
        )
        holds = len(sites) >= thresholds.new_joint_pain_min_sites
        reason = (
            f"joint check on {latest.date}: new pain in {', '.join(sites)}"
            + (f" (worst {fmt(worst)}/10)" if worst is not None else "")
            if holds
            else f"joint check on {latest.date}: no new joint pain"
        )
        return self.result(
            holds,
            reason,
            date=latest.date,
            response=str(latest.response_id),
            sites=sites,
            worst_new_pain=worst,
            resolved_on=resolved,
            thresholds=used,
        )
