"""The reminders figure: N due reminders claimed and sent vs N Celery no-op tasks."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from scripts.benchmarks.common import Figure, ratio_figure, utc_today
from scripts.benchmarks.data import bulk_patients
from scripts.benchmarks.environment import Worker, purge_queue


def _floor_round(count: int, deadline: float) -> float:
    """A task fans out ``count`` no-ops from the worker; how many ran per second until all did."""
    from django.core.cache import cache

    from apps.devtools.benchfloor.tasks import COUNTER_KEY, fan_out_noops

    cache.set(COUNTER_KEY, 0, timeout=None)
    started = time.monotonic()
    fan_out_noops.delay(count)
    while cache.get(COUNTER_KEY) < count and time.monotonic() - started < deadline:
        time.sleep(0.05)
    counted: int = cache.get(COUNTER_KEY)
    return counted / (time.monotonic() - started)


def _product_round(patients, day: dt.date, sent_reminders, deadline: float) -> tuple[int, float]:
    """One exercise reminder due now for each patient (a new local date each round, so each is
    new), claimed and sent by the worker: (how many were sent, per second)."""
    from apps.reminders.models import ReminderSchedule
    from apps.reminders.tasks import claim_due_reminders

    now = dt.datetime.now(dt.UTC)
    ReminderSchedule.objects.filter(kind="exercise").delete()
    ReminderSchedule.objects.bulk_create(
        [
            ReminderSchedule(patient=p, kind="exercise", next_due_at=now, local_date=day)
            for p in patients
        ],
        batch_size=2000,
    )
    before = sent_reminders.count()
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if ReminderSchedule.objects.filter(kind="exercise", next_due_at__lte=now).exists():
            claim_due_reminders.delay()
        sent = sent_reminders.count() - before
        if sent >= len(patients):
            break
        time.sleep(1.0)
    elapsed = time.monotonic() - started
    sent = sent_reminders.count() - before
    return sent, sent / elapsed


def _duplicates() -> tuple[int, int]:
    """(reminders delivered twice for one patient, kind and date; notifications sharing a
    dedup key): both must be 0."""
    from django.db.models import Count

    from apps.notifications.models import Notification
    from apps.reminders.models import ReminderDelivery

    duplicates = (
        ReminderDelivery.objects.values("patient", "kind", "local_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    dedup_duplicates = (
        Notification.objects.values("dedup_key").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    return duplicates, dedup_duplicates


def bench_reminders(args) -> Figure:
    """N due reminders claimed and sent (console channel) vs N Celery no-op tasks, per second."""
    from apps.notifications.models import Notification
    from apps.reminders.services import reminder_schedules_ensure

    per_pair = args.reminders // args.pairs
    patients, _ = bulk_patients(
        per_pair, label="reminders", onset_days_ago=40, activated=True, tokens=False
    )
    # Give every patient their default schedules now, so that the rounds below time the claim
    # and the delivery, not the one-off creation of 20,000 schedules.
    while reminder_schedules_ensure(limit=5000):
        pass
    today = utc_today()
    # Only the reminders made here count (check-in reminders fall due at 19:00 local time).
    sent_reminders = Notification.objects.filter(kind="reminder.exercise", status="sent")
    products, floors = [], []
    total_notified = 0
    for pair in range(args.pairs):
        floors.append(_floor_round(per_pair, args.phase_timeout))
        day = today - dt.timedelta(days=pair)
        sent, rate = _product_round(patients, day, sent_reminders, args.phase_timeout)
        total_notified += sent
        products.append(rate)
        print(
            f"reminders pair {pair}: floor {floors[-1]:.0f}/s product {products[-1]:.0f}/s",
            file=sys.stderr,
        )
    duplicates, dedup_duplicates = _duplicates()
    figure = ratio_figure(
        f"reminders claimed and sent ({per_pair * args.pairs:,} due in {args.pairs} rounds)",
        products,
        floors,
        unit="/s",
        key="reminders",
    )
    every_one_sent = total_notified == per_pair * args.pairs
    figure.met = figure.met and duplicates == 0 and dedup_duplicates == 0 and every_one_sent
    figure.notes.append(
        f"sent {total_notified:,}; duplicate deliveries {duplicates}, duplicate notifications "
        f"{dedup_duplicates}"
    )
    return figure


def run_reminders(args, env: dict[str, str], logs: Path) -> list[Figure]:
    """The reminders figure, against a real Celery worker."""
    print("Reminders vs Celery no-op…", file=sys.stderr)
    worker = Worker(env, logs / "worker.log")
    try:
        figures = [bench_reminders(args)]
    finally:
        worker.stop()
    purge_queue()
    return figures
