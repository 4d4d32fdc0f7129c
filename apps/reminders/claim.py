"""The minute tick: claim due reminders a batch at a time, set-based.

One batch is one transaction: lock up to ``CLAIM_BATCH_SIZE`` due schedule rows
(``SELECT … FOR UPDATE SKIP LOCKED`` where the database has row locks, so overlapping ticks
take different rows), read what the rules need for the whole batch in a few queries, decide
each row in Python, then write the outcome in a few statements: the schedule rows advance
with a conditional UPDATE per group of identical values (``WHERE next_due_at = <value read>``,
which is the claim where there are no row locks), the delivery rows for (patient, kind,
local date) are inserted with ``ON CONFLICT DO NOTHING`` and read back (only rows whose
delivery row this batch inserted go on, so nothing is ever reminded twice), notifications are
stored with ``notify_many`` and their delivery enqueued after commit, in batches.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from apps.core.i18n import language_of
from apps.notifications.models import Notification, NotificationStatus
from apps.notifications.services import NotificationRequest, notify_many
from apps.reminders.conf import ReminderConfig, reminder_config
from apps.reminders.decisions import Decision, decide, read_batch_facts
from apps.reminders.models import (
    ReminderDelivery,
    ReminderKind,
    ReminderOutcome,
    ReminderSchedule,
)

# Plain words, nothing about the patient's health: these show on a lock screen.
# Rendered in the recipient's language when the reminder is handed over (apps.core.i18n).
MESSAGES: dict[str, tuple[str | Promise, str | Promise]] = {
    ReminderKind.CHECKIN: (
        gettext_lazy("Time for your daily check-in"),
        gettext_lazy("It takes a minute and helps your physiotherapist follow your recovery."),
    ),
    ReminderKind.CHECKIN_FOLLOWUP: (
        gettext_lazy("Today's check-in is still open"),
        gettext_lazy("If you have a minute, record how your hip is today."),
    ),
    ReminderKind.EXERCISE: (
        gettext_lazy("Time for your exercises"),
        gettext_lazy("Your exercise plan for today is in the app."),
    ),
    ReminderKind.WE_MISS_YOU: (
        gettext_lazy("We miss you"),
        gettext_lazy(
            "We have not heard from you for a few days. A quick check-in helps your care team."
        ),
    ),
    ReminderKind.QUESTIONNAIRE: (
        gettext_lazy("A questionnaire is waiting"),
        gettext_lazy("A few questions about how you are doing; they take a few minutes."),
    ),
}


@dataclass
class ClaimResult:
    claimed: int = 0
    notified: int = 0
    skipped: int = 0
    deferred: int = 0
    # The tick stopped with rows possibly still due (batch or time limit): run again.
    more_due: bool = False


def due_reminders_claim(*, now: dt.datetime) -> ClaimResult:
    """Claim due schedule rows in batches and handle each once; see the module docstring.
    Stops after ``CLAIM_MAX_BATCHES`` batches or ``CLAIM_MAX_SECONDS`` (``more_due``)."""
    config = reminder_config()
    result = ClaimResult()
    started = time.monotonic()
    for _ in range(config.claim_max_batches):
        if _claim_batch(now=now, config=config, result=result) < config.claim_batch_size:
            return result
        if time.monotonic() - started > config.claim_max_seconds:
            break
    result.more_due = True
    return result


def _claim_batch(*, now: dt.datetime, config: ReminderConfig, result: ClaimResult) -> int:
    """One batch in one transaction; returns how many due rows it read."""
    with transaction.atomic():
        rows = list(
            ReminderSchedule.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient__user")
            .filter(next_due_at__lte=now)
            .order_by("next_due_at")[: config.claim_batch_size]
        )
        if not rows:
            return 0
        facts = read_batch_facts(rows)
        decisions = [decide(row, facts, now=now, config=config) for row in rows]
        result.deferred += _defer([d for d in decisions if d.defer_to is not None])
        claimed = _advance([d for d in decisions if d.defer_to is None])
        result.claimed += len(claimed)
        handled = _insert_deliveries(claimed)
        result.skipped += sum(1 for d in handled if d.reason)
        to_send = (
            [d for d in handled if not d.reason]
            + _we_miss_you_instead([d for d in handled if d.send_kind == ReminderKind.WE_MISS_YOU])
            + questionnaires_alongside(handled, facts.questionnaire_days)
        )
        _notify(to_send, config=config, result=result)
    return len(rows)


def _grouped(
    decisions: Iterable[Decision], key: Callable[[Decision], tuple]
) -> dict[tuple, list[Decision]]:
    groups: dict[tuple, list[Decision]] = defaultdict(list)
    for decision in decisions:
        groups[key(decision)].append(decision)
    return groups


def _defer(decisions: list[Decision]) -> int:
    """Move rows to the end of their quiet hours (only rows still at the value read)."""
    moved = 0
    for (due, until), group in _grouped(decisions, lambda d: (d.due, d.defer_to)).items():
        moved += ReminderSchedule.objects.filter(
            pk__in=[d.row.pk for d in group], next_due_at=due
        ).update(next_due_at=until)
    return moved


def _advance(decisions: list[Decision]) -> list[Decision]:
    """The claim: move each row from the due value read to its next one, in one UPDATE per
    group of identical values. Returns the decisions whose row this batch moved."""
    claimed: list[Decision] = []
    groups = _grouped(decisions, lambda d: (d.due, d.next_at, d.next_day))
    for (due, next_at, next_day), group in groups.items():
        ids = [d.row.pk for d in group]
        moved = ReminderSchedule.objects.filter(pk__in=ids, next_due_at=due).update(
            next_due_at=next_at, local_date=next_day
        )
        if moved == len(group):
            claimed += group
        elif moved:
            # Only without row locks: some rows changed under us. Those now at our values
            # are ours or were moved identically by another tick; the delivery row decides.
            now_ours = set(
                ReminderSchedule.objects.filter(
                    pk__in=ids, next_due_at=next_at, local_date=next_day
                ).values_list("pk", flat=True)
            )
            claimed += [d for d in group if d.row.pk in now_ours]
    return claimed


def _insert_deliveries(decisions: list[Decision]) -> list[Decision]:
    """Write the unique delivery row of each (patient, kind, date); return the decisions whose
    row this batch inserted. One already there means handled before: never twice."""
    for decision in decisions:
        decision.delivery = ReminderDelivery(
            id=uuid.uuid4(),
            patient_id=decision.patient.pk,
            kind=decision.row.kind,
            local_date=decision.day,
            due_at=decision.due,
            outcome=ReminderOutcome.SKIPPED,
            reason=decision.reason,
        )
    return _inserted(decisions)


def _inserted(decisions: list[Decision]) -> list[Decision]:
    if not decisions:
        return []
    ReminderDelivery.objects.bulk_create([d.claimed for d in decisions], ignore_conflicts=True)
    ours = set(
        ReminderDelivery.objects.filter(pk__in=[d.claimed.pk for d in decisions]).values_list(
            "pk", flat=True
        )
    )
    return [d for d in decisions if d.claimed.pk in ours]


def _we_miss_you_instead(replaced: list[Decision]) -> list[Decision]:
    """For check-in reminders replaced by "we miss you" (their own row is recorded skipped),
    that kind's own delivery row: once per date, like any other kind. Returns the ones this
    batch inserted."""
    replacements = [
        Decision(
            row=d.row,
            due=d.due,
            day=d.day,
            send_kind=ReminderKind.WE_MISS_YOU,
            delivery=ReminderDelivery(
                id=uuid.uuid4(),
                patient_id=d.patient.pk,
                kind=ReminderKind.WE_MISS_YOU,
                local_date=d.day,
                due_at=d.due,
                outcome=ReminderOutcome.SKIPPED,
            ),
        )
        for d in replaced
    ]
    return _inserted(replacements)


#: A check-in reminder row decided for one of these reasons still carries the patient's
#: questionnaire reminder of that date (checked in already: the questionnaire is still due;
#: after resolution the check-in reminders stop but the monthly joint check is still reminded).
_QUESTIONNAIRE_ALONGSIDE = frozenset(
    {"", "checked_in", "replaced_by_we_miss_you", "episode_resolved"}
)


def questionnaires_alongside(
    handled: list[Decision], days: dict[uuid.UUID, set[dt.date]]
) -> list[Decision]:
    """Due questionnaires are reminded by the check-in reminder's claim (no second
    scheduler): for each check-in row of a date on which the patient has a questionnaire
    to be reminded of (apps.reminders.questionnaires), its own ``questionnaire`` delivery
    row, once per date like any kind. Stale, quiet-hours and reminders-off rows carry none
    (the quiet hours defer the row, and with it this reminder). Returns the ones this batch
    inserted."""
    extra = [
        Decision(
            row=d.row,
            due=d.due,
            day=d.day,
            send_kind=ReminderKind.QUESTIONNAIRE,
            delivery=ReminderDelivery(
                id=uuid.uuid4(),
                patient_id=d.patient.pk,
                kind=ReminderKind.QUESTIONNAIRE,
                local_date=d.day,
                due_at=d.due,
                outcome=ReminderOutcome.SKIPPED,
            ),
        )
        for d in handled
        if d.row.kind == ReminderKind.CHECKIN
        and d.reason in _QUESTIONNAIRE_ALONGSIDE
        and d.day in days.get(d.patient.pk, ())
    ]
    return _inserted(extra)


def _notification_request(decision: Decision, config: ReminderConfig) -> NotificationRequest:
    kind, day = decision.send_kind, decision.day
    with translation.override(language_of(decision.patient.user)):
        title, body = (str(text) for text in MESSAGES[kind])
    return NotificationRequest(
        recipient=decision.patient.user,
        kind=f"reminder.{kind}",
        title=title,
        body=body,
        dedup_key=f"reminder:{decision.patient.pk}:{kind}:{day.isoformat()}",
        data={"reminder": str(kind), "date": day.isoformat()},
        expires_at=decision.due + config.stale_after,
    )


def _notify(decisions: list[Decision], *, config: ReminderConfig, result: ClaimResult) -> None:
    """Hand the batch to ``notify_many``, record on each delivery row what became of it, and
    schedule one follow-up for each check-in reminder that goes out."""
    if not decisions:
        return
    requests = [_notification_request(d, config) for d in decisions]
    stored = notify_many(requests)
    followups = []
    for decision, request in zip(decisions, requests, strict=True):
        notification: Notification = stored[request.dedup_key]
        delivery = decision.claimed
        delivery.notification = notification
        if notification.status == NotificationStatus.SKIPPED:
            delivery.reason = notification.status_reason or "skipped"
            result.skipped += 1
            continue
        delivery.outcome = ReminderOutcome.NOTIFIED
        result.notified += 1
        if decision.send_kind == ReminderKind.CHECKIN:
            followups.append(
                ReminderSchedule(
                    patient_id=decision.patient.pk,
                    kind=ReminderKind.CHECKIN_FOLLOWUP,
                    next_due_at=decision.due + config.followup_after,
                    local_date=decision.day,
                )
            )
    ReminderDelivery.objects.bulk_update(
        [d.claimed for d in decisions], ["outcome", "reason", "notification"]
    )
    if followups:
        ReminderSchedule.objects.bulk_create(
            followups,
            update_conflicts=True,
            unique_fields=["patient", "kind"],
            update_fields=["next_due_at", "local_date", "updated_at"],
        )
