"""The reminder tick retries a transient database error instead of failing."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from apps.reminders import services, tasks

pytestmark = pytest.mark.django_db


def test_a_tick_that_hit_a_lock_runs_again(monkeypatch):
    real = services.reminders_claim_due
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "reminders_claim_due", flaky)

    result = tasks.claim_due_reminders.apply(throw=False)

    assert len(calls) == 2
    assert result.successful()
    assert OperationalError in tasks.claim_due_reminders.autoretry_for
    assert tasks.claim_due_reminders.retry_backoff_max <= 60
