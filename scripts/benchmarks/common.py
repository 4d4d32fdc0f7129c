"""What every figure shares: where the project is, the settings, a Figure and its ratio."""

from __future__ import annotations

import datetime as dt
import statistics
import sys
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
    name: str, products: list[float], floors: list[float], *, unit: str, target: str, check
) -> Figure:
    ratios = [p / f for p, f in zip(products, floors, strict=True) if f]
    ratio = statistics.median(ratios)
    return Figure(
        name=name,
        product=f"{statistics.median(products):.1f} {unit}",
        floor=f"{statistics.median(floors):.1f} {unit}",
        ratio=ratio,
        target=target,
        met=check(ratio),
        notes=[f"pair ratios: {', '.join(f'{r:.2f}' for r in ratios)}"],
    )


def paired_figure(name: str, paired: Paired, *, target: str, check) -> Figure:
    """The figure of paired throughput rounds (scripts/benchmarks/load.py), in requests per
    second, with the non-2xx responses of all its rounds in its notes."""
    figure = ratio_figure(
        name, paired.products, paired.floors, unit="req/s", target=target, check=check
    )
    figure.notes.append(f"non-2xx responses: {paired.non_2xx} of {paired.requests:,}")
    return figure
