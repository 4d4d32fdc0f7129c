"""The care team's side of a flag's life: acknowledge (open → acknowledged) and resolve
(open or acknowledged → resolved by a clinician). A resolved flag is final; the engine
(apps/flags/engine.py) withdraws an open flag that late data showed never met its rule, and
opens a new flag after a resolved one only once the rule stopped holding for a day."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.core.exceptions import Conflict
from apps.flags.models import Flag, FlagStatus, Resolution


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


def flag_resolve(*, flag: Flag, by: User | None, note: str = "") -> Flag:
    """The care team has dealt with the flag. A rule that holds again later opens a new flag
    only after a day on which it did not hold. 409 when it is already resolved."""
    with transaction.atomic():
        flag = Flag.objects.select_for_update().get(pk=flag.pk)
        if flag.status == FlagStatus.RESOLVED:
            raise Conflict("This flag is already resolved.", code="flag_resolved")
        now = timezone.now()
        if flag.acknowledged_at is None:
            flag.acknowledged_by = by
            flag.acknowledged_at = now
        flag.status = FlagStatus.RESOLVED
        flag.resolution = Resolution.CLINICIAN
        flag.resolved_by = by
        flag.resolved_at = now
        if note:
            flag.note = note
        flag.save()
    return flag
