"""The report: the figures' table, printed and written to docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt

from scripts.benchmarks.common import ROOT, TARGETS, Figure


def table(figures: list[Figure]) -> str:
    """The figures, and a row for every target of TARGETS that this run did not measure (so
    the table always shows each target: a partial run says what it left out)."""
    lines = [
        "| figure | product | floor | ratio | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        ratio = "–" if f.ratio is None else f"{f.ratio:.2f}"
        met = {True: "yes", False: "**no**", None: "–"}[f.met]
        lines.append(f"| {f.name} | {f.product} | {f.floor} | {ratio} | {f.target} | {met} |")
    measured = {f.key for f in figures}
    for key, target in TARGETS.items():
        if key not in measured:
            lines.append(f"| {target.row} | – | – | – | {target.text} | not measured in this run |")
    return "\n".join(lines)


def write_report(figures: list[Figure], *, machine: str, command: str, seconds: float) -> None:
    notes = "\n".join(f"- {f.name}: {'; '.join(f.notes)}" for f in figures if f.notes)
    text = (
        "# Benchmarks\n\n"
        "Written by `scripts/bench.py` (`make bench`); see the end of this page for how each "
        "figure is measured.\n\n"
        f"- Machine: {machine}\n"
        f"- Command: `{command}`\n"
        f"- Run: finished {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, after {seconds / 60:.1f} "
        "minutes\n\n"
        f"{table(figures)}\n\n## Details\n\n{notes}\n"
    )
    report = ROOT / "docs" / "benchmarks.md"
    existing = report.read_text() if report.exists() else ""
    marker = "\n## How it is measured"
    tail = existing[existing.index(marker) :] if marker in existing else ""
    report.write_text(text + tail)
