"""A claim that runs out its lease unfinished (the worker died, or overran the lease): the row
is claimed again, and that next claim says so, with the instant of the abandoned claim
(``RecordChange.claimed_at``). A row that kills its worker never reaches
``record_changes_failed``, so without this it would be retried at every lease in silence."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.episodes.models import RecordChange
from apps.episodes.record_changes import (
    record_change_config,
    record_changes_claim,
    record_changes_failed,
    record_changes_processed,
)
from tests.episodes.conftest import NOW, TODAY
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
LEASE = dt.timedelta(minutes=3)
LOGGER = "apps.episodes.record_changes"


def a_change() -> RecordChange:
    return RecordChange.objects.create(episode=EpisodeFactory(), from_date=TODAY)


def lease_messages(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if "ran out its lease" in r.msg]


def test_a_claim_left_unfinished_is_claimed_again_and_logged_with_its_instant(caplog):
    row = a_change()
    record_changes_claim(limit=10, lease=LEASE, now=NOW)  # the worker dies

    with caplog.at_level("WARNING", logger=LOGGER):
        again = record_changes_claim(limit=10, lease=LEASE, now=NOW + LEASE)

    assert [(r.id, r.attempts) for r in again.rows] == [(row.id, 2)]
    assert lease_messages(caplog) == [
        (
            "WARNING",
            f"record change {row.id}: the claim of {NOW.isoformat()} ran out its lease "
            "unfinished; now attempt 2",
        )
    ]
    stored = RecordChange.objects.get()
    assert (stored.claimed_at, stored.available_at) == (NOW + LEASE, NOW + 2 * LEASE)


def test_a_claim_that_failed_or_finished_is_not_an_abandoned_one(caplog):
    failed, done, fresh = a_change(), a_change(), a_change()
    claim = record_changes_claim(limit=10, lease=LEASE, now=NOW)
    record_changes_failed(
        claim=claim, rows=[r for r in claim.rows if r.id == failed.id], error=OSError(), now=NOW
    )
    record_changes_processed(ids=[done.id], now=NOW)
    # fresh stays claimed: only it is abandoned

    with caplog.at_level("WARNING", logger=LOGGER):
        later = record_changes_claim(limit=10, lease=LEASE, now=NOW + dt.timedelta(hours=1))

    assert sorted(r.id for r in later.rows) == sorted([failed.id, fresh.id])
    assert [message for _level, message in lease_messages(caplog)] == [
        f"record change {fresh.id}: the claim of {NOW.isoformat()} ran out its lease "
        "unfinished; now attempt 2"
    ]


def test_a_row_that_keeps_killing_its_worker_is_an_error_after_the_usual_attempts(caplog):
    row = a_change()
    config = record_change_config()
    now = NOW
    with caplog.at_level("WARNING", logger=LOGGER):
        for _attempt in range(config.error_after_attempts + 2):
            record_changes_claim(limit=10, lease=LEASE, now=now)
            now += LEASE

    levels = [level for level, _message in lease_messages(caplog)]
    # Abandoned attempts 1 .. n+1 are logged at the claims 2 .. n+2; from the n-th on: ERROR.
    assert levels == ["WARNING"] * (config.error_after_attempts - 1) + ["ERROR"] * 2
    assert RecordChange.objects.get(pk=row.id).attempts == config.error_after_attempts + 2
