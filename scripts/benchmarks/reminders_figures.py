"""The reminders figure: N due reminders claimed and sent vs N Celery no-op tasks."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from scripts.benchmarks.common import Figure, ratio_figure, utc_today
from scripts.benchmarks.data import bulk_patients
from scripts.benchmarks.environment import Worker, purge_queue


def bench_reminders(args) -> Figure:
    """N due reminders claimed and sent (console channel) vs N Celery no-op tasks, per second."""
    from django.core.cache import cache
    from django.db.models import Count

    from apps.devtools.benchfloor.tasks import COUNTER_KEY, fan_out_noops
    from apps.notifications.models import Notification
    from apps.reminders.models import ReminderDelivery, ReminderSchedule
    from apps.reminders.tasks import claim_due_reminders

    per_pair = args.reminders // args.pairs
    patients, _ = bulk_patients(
        per_pair, label="reminders", onset_days_ago=40, activated=True, tokens=False
    )
    # Give every patient their default schedules now, so that the rounds below time the claim
    # and the delivery, not the one-off creation of 20,000 schedules.
    from apps.reminders.services import reminder_schedules_ensure

    while reminder_schedules_ensure(limit=5000):
        pass
    today = utc_today()
    # Only the reminders made here count (check-in reminders fall due at 19:00 local time).
    sent_reminders = Notification.objects.filter(kind="reminder.exercise", status="sent")
    products, floors = [], []
    total_notified = 0
    deadline_per_phase = args.phase_timeout
    for pair in range(args.pairs):
        # Floor: a task fans out N no-ops from the worker; time until all N ran.
        cache.set(COUNTER_KEY, 0, timeout=None)
        started = time.monotonic()
        fan_out_noops.delay(per_pair)
        while cache.get(COUNTER_KEY) < per_pair and time.monotonic() - started < deadline_per_phase:
            time.sleep(0.05)
        floors.append(cache.get(COUNTER_KEY) / (time.monotonic() - started))
        # Product: N reminders due now (a different local date each pair, so each is new).
        day = today - dt.timedelta(days=pair)
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
        while time.monotonic() - started < deadline_per_phase:
            if ReminderSchedule.objects.filter(kind="exercise", next_due_at__lte=now).exists():
                claim_due_reminders.delay()
            sent = sent_reminders.count() - before
            if sent >= per_pair:
                break
            time.sleep(1.0)
        elapsed = time.monotonic() - started
        sent = sent_reminders.count() - before
        total_notified += sent
        products.append(sent / elapsed)
        print(
            f"reminders pair {pair}: floor {floors[-1]:.0f}/s product {products[-1]:.0f}/s",
            file=sys.stderr,
        )
    duplicates = (
        ReminderDelivery.objects.values("patient", "kind", "local_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    dedup_duplicates = (
        Notification.objects.values("dedup_key").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    figure = ratio_figure(
        f"reminders claimed and sent ({per_pair * args.pairs:,} due in {args.pairs} rounds)",
        products,
        floors,
        unit="/s",
        target="≥ 0.5× Celery no-op",
        check=lambda r: r >= 0.5,
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
