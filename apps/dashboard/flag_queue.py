"""Selectors behind the flag queue and the counts in the dashboard's header.

Reads: flags.Flag through `apps.flags.selectors.flags_visible_to` (the caller's patients only),
with each flag's patient and user (one query per page, whatever its size).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import Patient, User
from apps.flags.models import (
    LIVE_STATUSES,
    Flag,
    FlagSeverity,
    FlagStatus,
    severity_rank_expression,
)
from apps.flags.selectors import flags_visible_to

QUEUE_TABS: tuple[str, ...] = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED, FlagStatus.RESOLVED)
#: The queue's "waiting at least" choices, in hours.
WAITING_HOURS: tuple[int, ...] = (1, 4, 24, 72)


@dataclass(frozen=True)
class QueueFilters:
    status: str = FlagStatus.OPEN
    severity: str | None = None
    rule: str | None = None
    patient: uuid.UUID | None = None
    waiting_hours: int | None = None


@dataclass
class PatientGroup:
    """The flags of one patient on a page of the queue, most pressing first."""

    patient: Patient
    flags: list[Flag] = field(default_factory=list)


def queue_flags(
    user: User, filters: QueueFilters, *, now: dt.datetime | None = None
) -> QuerySet[Flag]:
    """The caller's flags of one tab, filtered. Open and acknowledged: most severe first, then
    the one waiting longest; resolved: the latest resolved first."""
    flags = (
        flags_visible_to(user)
        .filter(status=filters.status)
        .select_related("patient__user", "episode", "resolved_by", "reopened_by")
    )
    if filters.severity:
        flags = flags.filter(severity=filters.severity)
    if filters.rule:
        flags = flags.filter(rule=filters.rule)
    if filters.patient:
        flags = flags.filter(patient_id=filters.patient)
    if filters.waiting_hours:
        cutoff = (now or timezone.now()) - dt.timedelta(hours=filters.waiting_hours)
        flags = flags.filter(opened_at__lte=cutoff)
    if filters.status == FlagStatus.RESOLVED:
        return flags.order_by("-resolved_at", "id")
    return flags.annotate(severity_rank=severity_rank_expression()).order_by(
        "severity_rank", "opened_at", "id"
    )


def group_by_patient(flags: list[Flag]) -> list[PatientGroup]:
    """A page's flags by patient, each patient where their first (most pressing) flag is."""
    groups: dict[uuid.UUID, PatientGroup] = {}
    for flag in flags:
        groups.setdefault(flag.patient_id, PatientGroup(patient=flag.patient)).flags.append(flag)
    return list(groups.values())


def live_flag_counts(user: User) -> dict[str, int]:
    """Counts for the dashboard's header, in one query: live (open or acknowledged) emergency
    and urgent flags, flags still open (not acknowledged) and every live flag."""
    live = Q(status__in=LIVE_STATUSES)
    return flags_visible_to(user).aggregate(
        emergency=Count("pk", filter=live & Q(severity=FlagSeverity.EMERGENCY)),
        urgent=Count("pk", filter=live & Q(severity=FlagSeverity.URGENT)),
        open=Count("pk", filter=Q(status=FlagStatus.OPEN)),
        live=Count("pk", filter=live),
    )
