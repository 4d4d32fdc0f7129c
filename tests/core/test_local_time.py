"""Local time has one module, apps.core.timezones: patient days, wall times to instants and
quiet hours all come from it (the notifications' `timing` module is gone)."""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
from pathlib import Path

from apps.core.timezones import local_date_of, local_instant, local_today

APPS = Path(__file__).resolve().parents[2] / "apps"


def test_local_today_and_local_date_of_are_the_same_date():
    instant = dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC)  # London: 00:30 on the 30th
    assert local_date_of(instant, "Europe/London") == dt.date(2026, 3, 30)
    assert local_today("Europe/London", now=instant) == dt.date(2026, 3, 30)
    assert local_today("America/New_York", now=instant) == dt.date(2026, 3, 29)


def test_a_daily_wall_time_keeps_its_local_hour_across_dst():
    before = local_instant(dt.date(2026, 3, 28), dt.time(19, 0), "Europe/London")
    after = local_instant(dt.date(2026, 3, 29), dt.time(19, 0), "Europe/London")
    assert (before.hour, after.hour) == (19, 18)


def test_no_second_local_time_module():
    assert importlib.util.find_spec("apps.notifications.timing") is None
    offenders = []
    for path in APPS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".timing"):
                offenders.append(str(path.relative_to(APPS)))
    assert offenders == []
