"""Counters the trust tests keep (requests fuzzed, endpoints x roles checked, faults injected,
rows lost), written to test-artifacts/trust-figures.json at the end of the run and printed by
.ci/run. Each run (embedded, services) has its own section of the file."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIGURES_FILE = ROOT / "test-artifacts" / "trust-figures.json"
counters: Counter[str] = Counter()


def bump(name: str, amount: int = 1) -> None:
    counters[name] += amount


def run_name() -> str:
    database = os.environ.get("DATABASE_URL", "")
    return "services" if database.startswith(("postgres", "postgresql")) else "embedded"


def write() -> None:
    if not counters:
        return
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:
        figures = json.loads(FIGURES_FILE.read_text())
    except (OSError, ValueError):
        figures = {}
    figures[run_name()] = dict(sorted(counters.items()))
    FIGURES_FILE.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")


LABELS = {
    "requests_fuzzed": "requests fuzzed (schemathesis)",
    "endpoints_x_roles_checked": "endpoints x roles checked",
    "faults_injected": "faults injected (Redis killed, worker killed)",
    "rows_submitted_during_faults": "rows submitted during faults",
    "rows_lost": "rows lost",
    "constraint_bypasses_refused": "bypassing writes refused by constraints",
}


def main() -> int:
    """Print the figures (``python -m tests.trust.figures``); fails if a row was lost or the
    file is missing."""
    try:
        figures = json.loads(FIGURES_FILE.read_text())
    except (OSError, ValueError):
        print(f"No trust figures at {FIGURES_FILE}: were the trust tests run?")
        return 1
    lost = 0
    for run, values in sorted(figures.items()):
        print(f"{run}:")
        for key, label in LABELS.items():
            print(f"  {label:<48} {values.get(key, 0):>8}")
        lost += values.get("rows_lost", 0)
    total = lambda key: sum(values.get(key, 0) for values in figures.values())  # noqa: E731
    print(
        f"total: {total('requests_fuzzed')} requests fuzzed, "
        f"{total('endpoints_x_roles_checked')} endpoints x roles checked, "
        f"{total('faults_injected')} faults injected, rows lost: {lost}"
    )
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
