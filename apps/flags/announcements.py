"""Who hears about a flag: a new flag's announcement (`flag_announce`, after the engine's
commit), the escalation of an emergency or urgent flag nobody acknowledged, and the
physiotherapists' daily digest. All through `apps.notifications.services.notify`, with dedup
keys built from the flag id, so a retry sends nothing twice."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.flags.models import LIVE_STATUSES, Flag, FlagStatus
from apps.flags.rules import RULES_BY_CODE, Severity
from apps.flags.rules.base import IMMEDIATE_SEVERITIES

# --- A new flag -----------------------------------------------------------------------------------


_IMMEDIATE = "immediate"  # the patient by push and the care team, at once
_REMINDER = "reminder"  # an extra check-in reminder to the patient


def _announcement(flag: Flag) -> str | None:
    """How `flag_announce` tells about a new flag at once, or None (soon/routine wait for the
    daily digest; info is dashboard only)."""
    if flag.severity in IMMEDIATE_SEVERITIES:
        return _IMMEDIATE
    if flag.rule == "missed_checkins":
        return _REMINDER
    return None


def announce_after_commit(flags: list[Flag]) -> None:
    """After commit, announce the new flags that tell someone at once (one read for all)."""
    ids = [flag.id for flag in flags if _announcement(flag) is not None]
    if ids:
        transaction.on_commit(lambda: _announce_new_flags(ids))


def _announce_new_flags(flag_ids: list[uuid.UUID]) -> None:
    found = Flag.objects.select_related("patient__user", "patient__care_team").in_bulk(flag_ids)
    for flag_id in flag_ids:
        if flag_id in found:
            # One transaction per flag, as before: each flag's notifications are stored together.
            with transaction.atomic():
                flag_announce(flag=found[flag_id])


def flag_announce(*, flag: Flag) -> None:
    """Tell who needs to know about a new flag (CLINICAL_RULES.md: What happens on a new flag):
    emergency/urgent — the patient by push and the care team at once; missed_checkins — an
    extra reminder to the patient; soon/routine wait for the daily digest; info is dashboard
    only. Dedup keys carry the flag id, so a retry sends nothing twice."""
    from apps.accounts.selectors import clinicians_of_patient
    from apps.notifications.services import notify

    patient = flag.patient
    data = {"flag_id": str(flag.id), "rule": flag.rule, "severity": flag.severity}
    announcement = _announcement(flag)
    if announcement == _IMMEDIATE:
        notify(
            recipient=patient,
            kind="flag_advice",
            title="Please act on your check-in",
            body=flag.patient_message,
            dedup_key=f"flag:{flag.id}:patient",
            priority="urgent",
            data=data,
            channels=["push"],
        )
        for clinician in clinicians_of_patient(patient):
            notify(
                recipient=clinician,
                kind="flag_new",
                title=f"{flag.severity.capitalize()} flag: {flag.rule}",
                body=f"A patient in your care meets {flag.rule}: {flag.clinician_summary}",
                dedup_key=f"flag:{flag.id}:clinician:{clinician.pk}",
                priority="urgent",
                data=data,
            )
    elif announcement == _REMINDER:
        notify(
            recipient=patient,
            kind="checkin_reminder",
            title="How are you today?",
            body=flag.patient_message,
            dedup_key=f"flag:{flag.id}:patient",
            data=data,
        )


# --- Escalation ----------------------------------------------------------------------------------


def escalation_delay() -> dt.timedelta:
    """How long an emergency or urgent flag may stay open (not acknowledged) before it is
    escalated: ``settings.FLAG_ESCALATION_DELAY_MINUTES`` (CLINICAL_RULES.md: 4 hours)."""
    minutes = getattr(settings, "FLAG_ESCALATION_DELAY_MINUTES", 240)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 1:
        raise ValueError(f"FLAG_ESCALATION_DELAY_MINUTES must be a whole number ≥ 1: {minutes!r}")
    return dt.timedelta(minutes=minutes)


def _delay_words(delay: dt.timedelta) -> str:
    """The delay in words: 4 hours, 1 hour, 90 minutes."""
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours = minutes // 60
    return f"{hours} hour{'s' * (hours != 1)}"


def flags_escalate_unacknowledged(*, now: dt.datetime | None = None) -> int:
    """Escalate, once, each emergency or urgent flag still open (not acknowledged) the
    escalation delay (`escalation_delay`, 4 hours by default) after it opened, to the clinic
    admins of its patient. A conditional UPDATE claims each flag, so two runs at once escalate
    it once. Returns how many were escalated."""
    from apps.accounts.selectors import clinic_admins_of_patient
    from apps.notifications.services import notify

    now = now or timezone.now()
    delay = escalation_delay()
    cutoff = now - delay
    due = Flag.objects.filter(
        status=FlagStatus.OPEN,
        severity__in=[Severity.EMERGENCY, Severity.URGENT],
        opened_at__lte=cutoff,
        escalated_at__isnull=True,
    ).values_list("id", flat=True)
    escalated = 0
    for flag_id in list(due[:500]):
        with transaction.atomic():
            claimed = Flag.objects.filter(
                pk=flag_id, status=FlagStatus.OPEN, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue  # acknowledged meanwhile, or another run has it
            flag = Flag.objects.select_related("patient__care_team").get(pk=flag_id)
            for admin in clinic_admins_of_patient(flag.patient):
                notify(
                    recipient=admin,
                    kind="flag_escalation",
                    title=f"Unacknowledged {flag.severity} flag",
                    body=(
                        f"A {flag.severity} flag ({flag.rule}) has not been acknowledged "
                        f"{_delay_words(delay)} after it opened: {flag.clinician_summary}"
                    ),
                    dedup_key=f"flag:{flag.id}:escalation:{admin.pk}",
                    priority="urgent",
                    data={"flag_id": str(flag.id), "rule": flag.rule},
                )
            escalated += 1
    return escalated


# --- The daily digest ----------------------------------------------------------------------------

#: At most this many flags are quoted one by one in a digest (the rest are counted).
DIGEST_DETAIL_MAX = 20


def flags_send_daily_digests(*, on: dt.date | None = None) -> int:
    """One digest per physiotherapist per day listing their patients' open and acknowledged
    soon and routine flags (counts; the details are in the dashboard). The live flags of a
    rule with ``digest_detail`` (`lost_to_follow_up`: the digest is how the care team hears
    of a silent patient) are also quoted one per line with their clinician summary, the
    rule's numbers. Returns how many digests were stored (a second run the same day stores
    none)."""
    from apps.accounts.models import CareTeamMembership, Role
    from apps.notifications.services import notify

    on = on or timezone.now().date()
    rows = (
        Flag.objects.filter(
            status__in=LIVE_STATUSES, severity__in=[Severity.SOON, Severity.ROUTINE]
        )
        .order_by("opened_at", "id")
        .values_list(
            "id", "rule", "severity", "patient__care_team_id", "opened_at", "clinician_summary"
        )
    )
    by_team: dict[Any, list[tuple]] = defaultdict(list)
    for flag_id, rule, severity, team_id, opened_at, summary in rows:
        by_team[team_id].append((flag_id, rule, severity, opened_at, summary))
    if not by_team:
        return 0
    by_physio: dict[Any, list[tuple]] = defaultdict(list)
    memberships = CareTeamMembership.objects.filter(
        care_team_id__in=list(by_team),
        user__role=Role.PHYSIOTHERAPIST,
        user__is_active=True,
    ).select_related("user")
    users = {}
    for membership in memberships:
        users[membership.user_id] = membership.user
        by_physio[membership.user_id].extend(by_team[membership.care_team_id])
    sent = 0
    since = timezone.now() - dt.timedelta(days=1)
    for user_id, flags in by_physio.items():
        unique = list({item[0]: item for item in flags}.values())
        counts: dict[str, int] = defaultdict(int)
        by_rule: dict[str, int] = defaultdict(int)
        for _, rule, severity, _, _ in unique:
            counts[severity] += 1
            by_rule[rule] += 1
        new = sum(1 for item in unique if item[3] >= since)
        key = f"flag-digest:{user_id}:{on.isoformat()}"
        before = _notification_exists(key)
        detailed = [item for item in unique if _quoted_in_digest(item[1])]
        notify(
            recipient=users[user_id],
            kind="flag_digest",
            title="Flags to review",
            body=(
                f"{len(unique)} open flags to review ({new} new in the last 24 hours): "
                + ", ".join(f"{counts[s]} {s}" for s in ("soon", "routine") if counts[s])
                + "."
                + _digest_details(detailed)
            ),
            dedup_key=key,
            data={
                "flag_ids": sorted(str(item[0]) for item in unique),
                "rules": dict(sorted(by_rule.items())),
                "detailed_flag_ids": [str(item[0]) for item in detailed[:DIGEST_DETAIL_MAX]],
            },
        )
        sent += not before
    return sent


def _quoted_in_digest(code: str) -> bool:
    rule = RULES_BY_CODE.get(code)
    return rule is not None and rule.digest_detail


def _digest_details(detailed: list[tuple]) -> str:
    """One line per flag of a ``digest_detail`` rule: its rule, severity and clinician summary
    (numbers and dates, no patient identity: the dashboard links the flag ids in the data)."""
    if not detailed:
        return ""
    lines = [
        f"- {rule} ({severity}): {summary}"
        for _, rule, severity, _, summary in detailed[:DIGEST_DETAIL_MAX]
    ]
    if len(detailed) > DIGEST_DETAIL_MAX:
        lines.append(f"- and {len(detailed) - DIGEST_DETAIL_MAX} more in the dashboard")
    return "\n" + "\n".join(lines)


def _notification_exists(dedup_key: str) -> bool:
    from apps.notifications.models import Notification

    return Notification.objects.filter(dedup_key=dedup_key).exists()
