"""What every figure shares: where the project is, the settings, a Figure and its ratio."""

from __future__ import annotations

import datetime as dt
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scripts.benchmarks.load import Paired

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
SETTINGS = "backend.settings.bench"
ENTRY_POINT = ROOT / "scripts" / "bench.py"


@dataclass
class Figure:
    name: str
    product: str
    floor: str
    ratio: float | None
    target: str
    met: bool | None
    notes: list[str] = field(default_factory=list)
    #: Its entry in TARGETS ("" for a figure reported without one).
    key: str = ""


@dataclass(frozen=True)
class Target:
    """A figure's target: its row in the table when the run did not measure it, the target
    as written there, and the check of the figure's ratio (None: the figure decides)."""

    row: str
    text: str
    check: Callable[[float], bool] | None = None


#: Every target of the figures (issue 19 and before), in the table's order; the report lists
#: each one, measured or not (scripts/benchmarks/report.py).
TARGETS: dict[str, Target] = {
    "dashboard-queries": Target("dashboard queries, 50 vs 500 patients", "equal"),
    "checkin": Target("check-in POST throughput", "≥ 0.7× bare create", lambda r: r >= 0.7),
    "questionnaire": Target(
        "questionnaire-response POST throughput", "≥ 0.6× bare create", lambda r: r >= 0.6
    ),
    "sync": Target(
        "POST sync/ (500 items, all accepted) time", "≤ 10× one check-in POST", lambda r: r <= 10
    ),
    "sync-replay": Target(
        "POST sync/ (the same 500 again: replays) time",
        "≤ 10× one check-in POST",
        lambda r: r <= 10,
    ),
    "dashboard": Target(
        "dashboard page (50 of 500 patients)", "≥ 0.4× bare 50-row list", lambda r: r >= 0.4
    ),
    "timeline": Target(
        "timeline of a one-year patient (default 30 dates)",
        "≥ 0.5× bare 50-row list",
        lambda r: r >= 0.5,
    ),
    "embedded": Target(
        "check-in POST on the embedded default (SQLite), 8 clients",
        "0 errors (beside PostgreSQL)",
    ),
    "reminders": Target("reminders claimed and sent", "≥ 0.5× Celery no-op", lambda r: r >= 0.5),
    "sweep": Target("nightly sweep, 10,000 patients × 1 year", "≤ 60 s", lambda r: r <= 1),
    "sweep-linear": Target(
        "sweep linear in patients", "ms/patient within 1.5×", lambda r: r <= 1.5
    ),
    "sweep-workers": Target(
        "sweep shared by 2 worker processes", "≥ 1.6× speed-up", lambda r: r >= 1.6
    ),
}


def utc_today() -> dt.date:
    """Bench patients live in UTC, so their local today is the UTC date."""
    return dt.datetime.now(dt.UTC).date()


def recorded_at_for(day: str) -> str:
    """When a bench item for local date ``day`` was recorded: 19:00 UTC that day, or a minute
    ago for today before 19:00 (a recorded_at ahead of the clock is refused, API.md)."""
    evening = dt.datetime.fromisoformat(f"{day}T19:00:00+00:00")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)
    return min(evening, now).isoformat()


def ratio_figure(
    name: str, products: list[float], floors: list[float], *, unit: str, key: str
) -> Figure:
    """The median of the per-pair ratios against ``TARGETS[key]`` ("": no target)."""
    ratios = [p / f for p, f in zip(products, floors, strict=True) if f]
    ratio = statistics.median(ratios)
    target = TARGETS.get(key)
    return Figure(
        name=name,
        product=f"{statistics.median(products):.1f} {unit}",
        floor=f"{statistics.median(floors):.1f} {unit}",
        ratio=ratio,
        target=target.text if target else "– (reported)",
        met=target.check(ratio) if target and target.check else None,
        notes=[f"pair ratios: {', '.join(f'{r:.2f}' for r in ratios)}"],
        key=key,
    )


def paired_figure(name: str, paired: Paired, *, key: str) -> Figure:
    """The figure of paired throughput rounds (scripts/benchmarks/load.py), in requests per
    second, with the non-2xx responses of all its rounds in its notes."""
    figure = ratio_figure(name, paired.products, paired.floors, unit="req/s", key=key)
    figure.notes.append(f"non-2xx responses: {paired.non_2xx} of {paired.requests:,}")
    return figure
