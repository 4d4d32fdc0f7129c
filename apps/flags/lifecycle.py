"""The care team's side of a flag's life: acknowledge (open → acknowledged), resolve (open or
acknowledged → resolved by a clinician, with an outcome; emergency and urgent flags need a
note) and reopen (a flag the care team resolved → acknowledged again, when it was resolved by
mistake or the problem is back before the rule re-arms). Otherwise a resolved flag stays; the engine
(apps/flags/engine.py) withdraws an open flag that late data showed never met its rule, and
opens a new flag after a resolved one only once the rule stopped holding for a day."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.exceptions import Conflict, ValidationFailed
from apps.flags.models import (
    LIVE_STATUSES,
    NOTE_REQUIRED_SEVERITIES,
    Flag,
    FlagStatus,
    Resolution,
    ResolutionOutcome,
)


def flag_acknowledge(*, flag: Flag, by: User | None, note: str = "") -> Flag:
    """The care team has seen the flag and is acting on it. 409 when it is resolved."""
    with transaction.atomic():
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status == FlagStatus.RESOLVED:
            raise Conflict(
                "This flag is resolved; it cannot be acknowledged.", code="flag_resolved"
            )
        if flag.status == FlagStatus.OPEN:
            flag.status = FlagStatus.ACKNOWLEDGED
            flag.acknowledged_by = by
            flag.acknowledged_at = timezone.now()
        if note:
            flag.note = note
        flag.save()
    return flag


def flag_resolve(*, flag: Flag, by: User | None, note: str = "", outcome: str = "") -> Flag:
    """The care team has dealt with the flag; ``outcome`` (`ResolutionOutcome`) says how. An
    emergency or urgent flag needs a note saying what was done (`ValidationFailed`). A rule
    that holds again later opens a new flag only after a day on which it did not hold.
    409 when it is already resolved."""
    if outcome and outcome not in ResolutionOutcome.values:
        raise ValidationFailed("Choose one of the listed outcomes.", field="outcome")
    with transaction.atomic():
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status == FlagStatus.RESOLVED:
            raise Conflict("This flag is already resolved.", code="flag_resolved")
        if flag.severity in NOTE_REQUIRED_SEVERITIES and not note.strip():
            raise ValidationFailed(
                f"Say what was done: a note is required to resolve an {flag.severity} flag.",
                field="note",
            )
        now = timezone.now()
        if flag.acknowledged_at is None:
            flag.acknowledged_by = by
            flag.acknowledged_at = now
        flag.status = FlagStatus.RESOLVED
        flag.resolution = Resolution.CLINICIAN
        flag.outcome = outcome
        flag.resolved_by = by
        flag.resolved_at = now
        if note:
            flag.note = note
        flag.save()
    return flag


def flag_reopen(*, flag: Flag, by: User, note: str = "") -> Flag:
    """A flag the care team resolved is live again, as acknowledged (the care team has it; it
    is not escalated as unseen). 409 when it is not resolved, was withdrawn by the engine, or
    the rule already has another live flag in the episode (that one carries on)."""
    with transaction.atomic():
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status != FlagStatus.RESOLVED:
            raise Conflict("Only a resolved flag can be reopened.", code="flag_not_resolved")
        if flag.resolution != Resolution.CLINICIAN:
            raise Conflict(
                "This flag was withdrawn: later data showed the rule was never met.",
                code="flag_withdrawn",
            )
        live = Flag.objects.filter(episode_id=flag.episode_id, rule=flag.rule)
        if live.filter(status__in=LIVE_STATUSES).exists():
            raise Conflict(
                "The rule has another live flag in this episode; act on that one.",
                code="flag_live_exists",
            )
        now = timezone.now()
        flag.status = FlagStatus.ACKNOWLEDGED
        flag.resolution = Resolution.NONE
        flag.outcome = ResolutionOutcome.NONE
        flag.resolved_by = None
        flag.resolved_at = None
        flag.cleared_on = None  # live again: the walk treats it as the rule's live flag
        flag.reopened_at = now
        flag.reopened_by = by
        if note:
            flag.note = note
        flag.save()
    return flag
