"""Fixtures for the dashboard's tests: a clock, and patients with a course of records."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine

from tests.accounts.factories import PatientFactory
from tests.dashboard.factories import (
    CheckInFactory,
    EpisodeFactory,
    ExerciseSessionFactory,
    FlagFactory,
    PlanItemFactory,
)

#: 12:00 UTC on Tuesday 10 March 2026: the same local date in London and New York.
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def days_ago(count: int, today: dt.date = TODAY) -> dt.date:
    return today - dt.timedelta(days=count)


def patient_with_course(
    care_team,
    *,
    pain_last_7: list[int] | None = None,
    pain_previous_7: list[int] | None = None,
    onset: dt.date = dt.date(2026, 1, 1),
    sessions_last_7: int | None = None,
    flags: tuple[str, ...] = (),
    **patient_fields,
):
    """A patient whose active episode has check-ins on the given days (index 0 = today) and,
    when ``sessions_last_7`` is given, a daily one-exercise plan with that many sessions."""
    patient = PatientFactory(care_team=care_team, **patient_fields)
    episode = EpisodeFactory(patient=patient, symptom_onset_date=onset)
    for offset, pain in enumerate(pain_last_7 or []):
        if pain is not None:
            CheckInFactory(episode=episode, date=days_ago(offset), pain_now=pain)
    for offset, pain in enumerate(pain_previous_7 or []):
        if pain is not None:
            CheckInFactory(episode=episode, date=days_ago(7 + offset), pain_now=pain)
    if sessions_last_7 is not None:
        item = PlanItemFactory(plan__episode=episode, plan__starts_on=onset, days_per_week=7)
        for offset in range(sessions_last_7):
            ExerciseSessionFactory(plan_item=item, date=days_ago(offset))
    for index, severity in enumerate(flags):
        FlagFactory(episode=episode, severity=severity, rule=f"rule_{index}_{severity}")
    return patient


# --- Real browser (tests marked `browser`) ------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: see `browser_type_launch_args`."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (apt, installed by .ci/run), never a downloaded browser. Missing it
    fails the run under CI (CI=true) and skips the browser tests on a developer machine."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)."
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in the main thread for the rest of the
    # session, so Django would take every later ORM call for async code. The tests never touch
    # the database concurrently with the browser. Subprocesses inherit it: the `check --deploy`
    # test removes it from its child's environment.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
