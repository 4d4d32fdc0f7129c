"""Who hears about a flag: a new flag's announcement (`flags_announce_pending` claims the
flags apps.flags leaves unannounced; `flag_announce`), the escalation of an emergency or
urgent flag nobody acknowledged, and the physiotherapists' daily digest. All through
`apps.notifications.services.notify`, with dedup keys built from the flag id, so a retry
sends nothing twice. apps.flags never imports this module: a new flag is a row that this
app claims (docs/CONTRACTS.md, "Nothing calls up the stack")."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.accounts.models import CareTeamMembership, Role
from apps.accounts.selectors import clinic_admins_of_patient, clinicians_of_patient
from apps.core.i18n import language_of
from apps.flags.models import LIVE_STATUSES, Flag, FlagStatus
from apps.flags.rules import RULES_BY_CODE, Severity, flag_patient_message
from apps.flags.rules.base import IMMEDIATE_SEVERITIES
from apps.notifications.models import Notification
from apps.notifications.services import notify

logger = logging.getLogger(__name__)

# --- A new flag -----------------------------------------------------------------------------------


_IMMEDIATE = "immediate"  # the patient by push and the care team, at once
_REMINDER = "reminder"  # an extra check-in reminder to the patient

#: A claimed flag whose announcement did not finish (a dead worker, an error) is claimable
#: again after this long; `notify`'s dedup keys make the second try send nothing twice.
ANNOUNCE_LEASE = dt.timedelta(minutes=2)
#: At most this many flags per run (the next kick or beat tick takes the rest).
ANNOUNCE_BATCH = 200


def _announcement(flag: Flag) -> str | None:
    """How `flag_announce` tells about a new flag at once, or None (soon/routine wait for the
    daily digest; info is dashboard only)."""
    if flag.severity in IMMEDIATE_SEVERITIES:
        return _IMMEDIATE
    if flag.rule == "missed_checkins":
        return _REMINDER
    return None


def _claimable(now: dt.datetime) -> Q:
    return Q(announced_at__isnull=True) & (
        Q(announce_lease_until__isnull=True) | Q(announce_lease_until__lte=now)
    )


def flags_announce_pending(*, now: dt.datetime | None = None) -> int:
    """Claim the flags nobody has been told about yet (``announced_at`` is null: apps.flags
    leaves every new flag so) and announce each (`flag_announce`), then mark it announced.

    A conditional UPDATE sets a lease on each flag before its announcement, so two runs at
    once announce it once; a run that dies leaves the lease to expire and a later run takes
    the flag again. Kicked after the commit of every evaluation that opened a flag
    (`kick_flag_announcements`, registered on `apps.flags.hooks.flags_opened`) and by beat
    every minute (`notifications-announce-new-flags`). Returns how many flags were announced."""
    now = now or timezone.now()
    due = (
        Flag.objects.filter(_claimable(now))
        .order_by("opened_at", "id")
        .values_list("id", flat=True)[:ANNOUNCE_BATCH]
    )
    announced = 0
    for flag_id in list(due):
        claimed = Flag.objects.filter(_claimable(now), pk=flag_id).update(
            announce_lease_until=now + ANNOUNCE_LEASE
        )
        if not claimed:
            continue  # another run has it, or it is announced already
        try:
            with transaction.atomic():
                flag = Flag.objects.select_related("patient__user", "patient__care_team").get(
                    pk=flag_id
                )
                flag_announce(flag=flag)
                Flag.objects.filter(pk=flag_id).update(
                    announced_at=timezone.now(), announce_lease_until=None
                )
        except Exception:  # one flag's failure must not hold back the others
            logger.exception("flag announcement failed: flag=%s (retried after the lease)", flag_id)
            continue
        announced += 1
    return announced


def flag_announce(*, flag: Flag) -> None:
    """Tell who needs to know about a new flag (CLINICAL_RULES.md: What happens on a new flag):
    emergency/urgent — the patient by push and the care team at once; missed_checkins — an
    extra reminder to the patient; soon/routine wait for the daily digest; info is dashboard
    only. Dedup keys carry the flag id, so a retry sends nothing twice."""
    patient = flag.patient
    data = {"flag_id": str(flag.id), "rule": flag.rule, "severity": flag.severity}
    announcement = _announcement(flag)
    # The patient's texts in the patient's language, rendered now (apps.core.i18n).
    with translation.override(language_of(patient.user)):
        advice = flag_patient_message(
            rule_code=flag.rule, severity=flag.severity, stored=flag.patient_message
        )
        act_title = gettext("Please act on your check-in")
        reminder_title = gettext("How are you today?")
    if announcement == _IMMEDIATE:
        notify(
            recipient=patient,
            kind="flag_advice",
            title=act_title,
            body=advice,
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
            title=reminder_title,
            body=advice,
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
    now = now or timezone.now()
    delay = escalation_delay()
    cutoff = now - delay
    due = Flag.objects.filter(
        status=FlagStatus.OPEN,
        severity__in=list(IMMEDIATE_SEVERITIES),
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
#: The severities the daily digest gathers, in the severity order (soon, then routine).
DIGEST_SEVERITIES: tuple[Severity, ...] = tuple(
    sorted((Severity.SOON, Severity.ROUTINE), key=lambda severity: severity.rank)
)


def flags_send_daily_digests(*, on: dt.date | None = None) -> int:
    """One digest per physiotherapist per day listing their patients' open and acknowledged
    soon and routine flags (counts; the details are in the dashboard). The live flags of a
    rule with ``digest_detail`` (`lost_to_follow_up`: the digest is how the care team hears
    of a silent patient) are also quoted one per line with their clinician summary, the
    rule's numbers. Returns how many digests were stored (a second run the same day stores
    none)."""
    on = on or timezone.now().date()
    rows = (
        Flag.objects.filter(status__in=LIVE_STATUSES, severity__in=list(DIGEST_SEVERITIES))
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
                + ", ".join(f"{counts[s]} {s}" for s in DIGEST_SEVERITIES if counts[s])
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
    return Notification.objects.filter(dedup_key=dedup_key).exists()
