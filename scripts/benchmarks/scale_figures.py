"""The nightly sweep shared by 1 and 2 worker processes (apps/flags/sweep.py): the same day's
chunks, claimed by N processes that each run the helper task's body (`sweep_work`). Runs in
the sweep phase's child, on the sweep database, after the largest cohort is generated.

Each worker process sets Django up first and then waits for a start file, so the figure times
the sweep, not N interpreters starting: from the start file to the last process's exit."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.benchmarks.common import ENTRY_POINT, ROOT, Figure


def sweep_worker(start_file: str) -> None:
    """Child: wait for ``start_file``, then claim and evaluate today's chunks until none is
    left. Prints one JSON line: how many episodes this process evaluated."""
    from scripts.benchmarks.environment import setup_django

    setup_django(os.environ["DATABASE_URL"])
    from django.utils import timezone

    from apps.flags import sweep

    config = sweep.sweep_config()
    day = timezone.now().date()
    while not Path(start_file).exists():
        time.sleep(0.01)
    print(json.dumps({"evaluated": sweep.sweep_work(day, config=config)}))


def _one_run(workers: int) -> tuple[float, list[int]]:
    from django.utils import timezone

    from apps.flags import sweep
    from apps.flags.models import SweepState

    SweepState.objects.all().delete()
    sweep.sweep_plan(timezone.now().date(), sweep.sweep_config())
    folder = Path(tempfile.mkdtemp(prefix="toh-sweep-"))
    start = folder / "start"
    processes = [
        subprocess.Popen(
            [sys.executable, str(ENTRY_POINT), "--sweep-worker", str(start)],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    time.sleep(8)  # every process has set Django up and waits
    started = time.monotonic()
    start.write_text("go")
    outputs = [process.communicate(timeout=1800)[0] for process in processes]
    seconds = time.monotonic() - started
    if any(process.returncode for process in processes):
        raise RuntimeError("a sweep worker failed")
    return seconds, [json.loads(out.strip().splitlines()[-1])["evaluated"] for out in outputs]


def sweep_worker_results(repeats: int, counts: tuple[int, ...] = (1, 2)) -> dict:
    """Alternating 1- and 2-process runs (noisy machine), ``repeats`` pairs."""
    results: dict[str, list] = {str(n): [] for n in counts}
    for _ in range(repeats):
        for n in counts:
            seconds, evaluated = _one_run(n)
            results[str(n)].append({"seconds": seconds, "evaluated": evaluated})
            print(f"sweep with {n} worker(s): {seconds:.1f}s {evaluated}", file=sys.stderr)
    return results


def sweep_workers_figure(results: dict, patients: int) -> Figure:
    one = [r["seconds"] for r in results["1"]]
    two = [r["seconds"] for r in results["2"]]
    speedups = [a / b for a, b in zip(one, two, strict=True)]
    speedup = statistics.median(speedups)
    shares = [r["evaluated"] for r in results["2"]]
    return Figure(
        name=f"sweep shared by 2 worker processes ({patients:,} patients)",
        product=f"{statistics.median(two):.1f} s with 2",
        floor=f"{statistics.median(one):.1f} s with 1",
        ratio=speedup,
        target="≥ 1.6× speed-up",
        met=speedup >= 1.6,
        notes=[
            f"pair speed-ups: {', '.join(f'{s:.2f}' for s in speedups)}",
            f"episodes per process with 2: {shares}",
        ],
    )
