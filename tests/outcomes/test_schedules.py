"""Table tests of ``due_questionnaires`` (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.outcomes.conf import DEFAULT_SCHEDULE
from apps.outcomes.schedules import EpisodeFacts, RequestFacts, add_months, due_questionnaires

ONSET = dt.date(2026, 1, 1)
STARTED = dt.date(2026, 1, 10)
ACTIVE = EpisodeFacts(started_on=STARTED, onset=ONSET, resolved_on=None)
RESOLVED = EpisodeFacts(started_on=STARTED, onset=ONSET, resolved_on=dt.date(2026, 5, 1))
PSFS = [{"instrument": "psfs", "baseline": True, "every_days": 14, "at_resolution": True}]
JOINT = [
    {"instrument": "joint_check", "after_resolution_every_months": 1, "after_resolution_months": 24}
]


def due(rules, episode, today, responses=(), requests=(), **kw):
    return [
        (d.instrument, d.due_on.isoformat(), d.expires_on.isoformat(), d.reason)
        for d in due_questionnaires(
            rules=rules, episode=episode, today=today, responses=responses, requests=requests, **kw
        )
    ]


@pytest.mark.parametrize(
    ("today", "responses", "expected"),
    [
        (STARTED, [], [("psfs", "2026-01-10", "2026-01-17", "baseline")]),
        (dt.date(2026, 1, 14), [], [("psfs", "2026-01-10", "2026-01-17", "baseline")]),
        (dt.date(2026, 1, 14), [("psfs", STARTED)], []),  # answered
        (
            dt.date(2026, 1, 15),
            [("psfs", STARTED)],
            [("psfs", "2026-01-15", "2026-01-22", "scheduled")],
        ),
        (
            dt.date(2026, 1, 22),
            [("psfs", STARTED)],
            [("psfs", "2026-01-15", "2026-01-22", "scheduled")],
        ),  # last day
        (dt.date(2026, 1, 23), [("psfs", STARTED)], []),  # expired
        (
            dt.date(2026, 1, 29),
            [("psfs", STARTED)],
            [("psfs", "2026-01-29", "2026-02-05", "scheduled")],
        ),
        (dt.date(2026, 1, 30), [("psfs", STARTED), ("psfs", dt.date(2026, 1, 29))], []),
        (dt.date(2026, 1, 9), [], []),  # before the episode started: nothing yet
    ],
)
def test_active_episode(today, responses, expected):
    assert due(PSFS, ACTIVE, today, responses) == expected


def test_baseline_beats_a_scheduled_occasion_in_its_window():
    episode = EpisodeFacts(started_on=dt.date(2026, 1, 14), onset=ONSET, resolved_on=None)
    assert due(PSFS, episode, dt.date(2026, 1, 15)) == [
        ("psfs", "2026-01-14", "2026-01-21", "baseline")
    ]


def test_resolution_then_surveillance():
    answered = [("psfs", STARTED)]
    assert due(PSFS, RESOLVED, dt.date(2026, 5, 1), answered) == [
        ("psfs", "2026-05-01", "2026-05-08", "resolution")
    ]
    assert due(PSFS, RESOLVED, dt.date(2026, 5, 9), answered) == []
    # no scheduled occasions after resolution
    assert (
        due(PSFS, RESOLVED, dt.date(2026, 5, 15), answered + [("psfs", dt.date(2026, 5, 2))]) == []
    )
    assert due(JOINT, RESOLVED, dt.date(2026, 5, 31)) == []
    assert due(JOINT, RESOLVED, dt.date(2026, 6, 1)) == [
        ("joint_check", "2026-06-01", "2026-06-08", "surveillance")
    ]
    assert due(JOINT, RESOLVED, dt.date(2028, 5, 1)) == [
        ("joint_check", "2028-05-01", "2028-05-08", "surveillance")
    ]  # month 24
    assert due(JOINT, RESOLVED, dt.date(2028, 6, 1)) == []  # past 24 months
    assert due(JOINT, ACTIVE, dt.date(2026, 6, 1)) == []


def test_requests_and_availability_and_no_episode():
    request = RequestFacts("ohs", dt.date(2026, 2, 1), dt.date(2026, 2, 3))
    assert due([], ACTIVE, dt.date(2026, 2, 3), requests=[request]) == [
        ("ohs", "2026-02-01", "2026-02-03", "requested")
    ]
    assert due([], ACTIVE, dt.date(2026, 2, 4), requests=[request]) == []
    assert due([], ACTIVE, dt.date(2026, 2, 2), [("ohs", dt.date(2026, 2, 2))], [request]) == []
    assert (
        due([], ACTIVE, dt.date(2026, 2, 2), requests=[request], available=frozenset({"psfs"}))
        == []
    )
    assert due([], None, dt.date(2026, 2, 2), requests=[request]) == [
        ("ohs", "2026-02-01", "2026-02-03", "requested")
    ]
    assert due(PSFS, None, STARTED) == []


def test_default_schedule_on_a_new_episode():
    codes = [d[0] for d in due(DEFAULT_SCHEDULE, ACTIVE, STARTED)]
    assert codes == ["psfs", "weekly_pain"]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 15), 2, dt.date(2027, 1, 15)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected
