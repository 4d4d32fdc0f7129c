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

from scripts.benchmarks.common import ENTRY_POINT, ROOT, TARGETS, Figure


def _backend_cpu_seconds() -> float | None:
    """CPU seconds used so far by this process's PostgreSQL backend (None: not readable, e.g.
    a server on another host)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sweep_worker(start_file: str) -> None:
    """Child: wait for ``start_file``, then claim and evaluate today's chunks until none is
    left. Prints one JSON line: how many episodes this process evaluated, when it started and
    ended its work (CLOCK_MONOTONIC, shared by the processes), and the CPU seconds it and its
    PostgreSQL backend spent on the sweep."""
    from scripts.benchmarks.environment import setup_django

    setup_django(os.environ["DATABASE_URL"])
    from django.utils import timezone

    from apps.flags import sweep
    from apps.flags.rules import thresholds_in_force

    config = sweep.sweep_config()
    day = timezone.now().date()
    thresholds = thresholds_in_force()  # connected, and the thresholds read, before the start
    backend_before = _backend_cpu_seconds()
    while not Path(start_file).exists():
        time.sleep(0.002)
    began, cpu_before = time.monotonic(), time.process_time()
    evaluated = sweep.sweep_work(day, config=config, thresholds=thresholds)
    ended, cpu = time.monotonic(), time.process_time() - cpu_before
    backend_after = _backend_cpu_seconds()
    backend = (
        None if backend_before is None or backend_after is None else backend_after - backend_before
    )
    print(
        json.dumps(
            {
                "evaluated": evaluated,
                "began": began,
                "ended": ended,
                "cpu": cpu,
                "backend_cpu": backend,
            }
        )
    )


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat), 0 if unknown."""
    try:
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = cpu[3] + (cpu[4] if len(cpu) > 4 else 0)  # idle + iowait
    return (sum(cpu[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _one_run(workers: int) -> tuple[float, dict]:
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
    time.sleep(8)  # every process has set Django up, connected, and waits
    busy_before, watched = _machine_busy_seconds(), time.monotonic()
    start.write_text("go")
    outputs = [process.communicate(timeout=1800)[0] for process in processes]
    busy = _machine_busy_seconds() - busy_before
    watched = time.monotonic() - watched
    if any(process.returncode for process in processes):
        raise RuntimeError("a sweep worker failed")
    reports = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    # From the first process seeing the start to the last one finishing its work: neither
    # interpreter start-up nor exit is counted, for 1 process as for 2.
    seconds = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    backends = [r["backend_cpu"] for r in reports]
    return seconds, {
        "evaluated": [r["evaluated"] for r in reports],
        "worker_cpu": sum(r["cpu"] for r in reports),
        "backend_cpu": None if None in backends else sum(backends),
        # The whole machine's busy cores from the start to the last exit (others' work too).
        "machine_cores": busy / watched if watched else None,
        # How long the first process to run out of chunks waited for the last one.
        "tail": max(r["ended"] for r in reports) - min(r["ended"] for r in reports),
    }


def sweep_worker_results(repeats: int, counts: tuple[int, ...] = (1, 2)) -> dict:
    """Alternating 1- and 2-process runs (noisy machine), ``repeats`` pairs."""
    results: dict[str, list] = {str(n): [] for n in counts}
    for _ in range(repeats):
        for n in counts:
            seconds, measured = _one_run(n)
            results[str(n)].append({"seconds": seconds, **measured})
            print(f"sweep with {n} worker(s): {seconds:.1f}s {measured}", file=sys.stderr)
    return results


def sweep_workers_figure(results: dict, patients: int) -> Figure:
    one = [r["seconds"] for r in results["1"]]
    two = [r["seconds"] for r in results["2"]]
    speedups = [a / b for a, b in zip(one, two, strict=True)]
    speedup = statistics.median(speedups)
    shares = [r["evaluated"] for r in results["2"]]
    cpu = {n: _cpu_note(results[n]) for n in ("1", "2")}
    return Figure(
        name=f"sweep shared by 2 worker processes ({patients:,} patients)",
        product=f"{statistics.median(two):.1f} s with 2",
        floor=f"{statistics.median(one):.1f} s with 1",
        ratio=speedup,
        target=TARGETS["sweep-workers"].text,
        met=bool(check(speedup)) if (check := TARGETS["sweep-workers"].check) else None,
        key="sweep-workers",
        notes=[
            f"pair speed-ups: {', '.join(f'{s:.2f}' for s in speedups)}",
            f"episodes per process with 2: {shares}",
            f"CPU, 1 process: {cpu['1']}",
            f"CPU, 2 processes: {cpu['2']}",
            "with 2, the first process out of chunks waited "
            + ", ".join(f"{r.get('tail', 0):.1f}" for r in results["2"])
            + " s for the other",
        ],
    )


def _cpu_note(runs: list[dict]) -> str:
    """Cores kept busy on average (median over the runs): by the sweep's processes, by their
    PostgreSQL backends, and by the whole machine (the rest is other work and PostgreSQL's
    own background processes)."""

    def cores(key: str) -> str:
        values = [r[key] / r["seconds"] for r in runs if r.get(key) is not None and r["seconds"]]
        return f"{statistics.median(values):.2f}" if values else "?"

    machine = [r["machine_cores"] for r in runs if r.get("machine_cores") is not None]
    return (
        f"workers {cores('worker_cpu')} cores, their PostgreSQL backends "
        f"{cores('backend_cpu')}, whole machine "
        f"{f'{statistics.median(machine):.2f}' if machine else '?'} (of {os.cpu_count()})"
    )
