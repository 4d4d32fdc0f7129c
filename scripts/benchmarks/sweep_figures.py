"""The nightly sweep's figures, in its own database (so other data does not count): time at
1,000 / 5,000 / 10,000 patients × 1 year, and whether it grows linearly."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from scripts.benchmarks.common import ENTRY_POINT, ROOT, TARGETS, Figure
from scripts.benchmarks.environment import (
    bench_env,
    database_url_named,
    manage,
    recreate_database,
    setup_django,
)
from scripts.benchmarks.scale_figures import sweep_worker_results, sweep_workers_figure


def sweep_phase(args) -> None:
    """Child process: generate 1,000 / 5,000 / 10,000 patients × 1 year and time the nightly
    sweep after each step. Prints one JSON line."""
    setup_django(os.environ["DATABASE_URL"])
    from apps.flags.models import SweepState
    from apps.flags.tasks import sweep_active_episodes
    from scripts.cohort.generate import generate_cohort

    results = []
    generated = 0
    for size in args.sweep_sizes:
        started = time.monotonic()
        generate_cohort(
            patients=size - generated,
            seed=args.seed,
            clinic_name="Sweep clinic",
            full_year=True,
            run_flags=False,
            progress=True,
        )
        generation = time.monotonic() - started
        generated = size
        timings = []
        for _ in range(args.sweep_repeats):
            SweepState.objects.all().delete()
            started = time.monotonic()
            evaluated = sweep_active_episodes()
            timings.append(time.monotonic() - started)
        results.append(
            {
                "patients": size,
                "evaluated": evaluated,
                "seconds": statistics.median(timings),
                "all": timings,
                "generation": generation,
            }
        )
        print(f"sweep {size}: {timings} (generation {generation:.0f}s)", file=sys.stderr)
    workers = sweep_worker_results(args.sweep_worker_repeats) if args.sweep_worker_repeats else {}
    print(json.dumps({"sizes": results, "workers": workers}))


def _met(key: str, ratio: float) -> bool:
    check = TARGETS[key].check
    return bool(check and check(ratio))


def bench_sweep(args, env: dict[str, str]) -> list[Figure]:
    out = subprocess.run(
        [sys.executable, str(ENTRY_POINT), "--sweep-phase", *sys.argv[1:]],
        cwd=ROOT,
        env=env,
        capture_output=False,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    phase = json.loads(out.strip().splitlines()[-1])
    results = phase["sizes"]
    largest = results[-1]
    figures = [
        Figure(
            name=f"nightly sweep, {largest['patients']:,} patients × 1 year",
            product=f"{largest['seconds']:.1f} s",
            floor="60 s budget",
            ratio=largest["seconds"] / 60,
            target=TARGETS["sweep"].text,
            met=_met("sweep", largest["seconds"] / 60),
            notes=[f"runs: {', '.join(f'{t:.1f}' for t in largest['all'])} s"],
            key="sweep",
        )
    ]
    per_patient = [r["seconds"] / r["patients"] * 1000 for r in results]
    spread = max(per_patient) / min(per_patient)
    figures.append(
        Figure(
            name=TARGETS["sweep-linear"].row,
            product=" / ".join(f"{r['seconds']:.1f}s@{r['patients']:,}" for r in results),
            floor=" / ".join(f"{p:.2f}" for p in per_patient) + " ms/patient",
            ratio=spread,
            target=TARGETS["sweep-linear"].text,
            met=_met("sweep-linear", spread),
            key="sweep-linear",
            notes=[
                "generation: "
                + ", ".join(
                    f"{r['generation']:.0f}s for +patients to {r['patients']:,}" for r in results
                )
            ],
        )
    )
    if phase["workers"]:
        figures.append(sweep_workers_figure(phase["workers"], largest["patients"]))
    return figures


def run_sweep(args, database_url: str, name: str) -> list[Figure]:
    """Recreate and migrate "<name>_sweep", then measure the sweep there (bench_sweep)."""
    print("Nightly sweep (its own database)…", file=sys.stderr)
    sweep_url = database_url_named(database_url, f"{name}_sweep")
    recreate_database(sweep_url)
    sweep_env = bench_env(sweep_url)
    manage(sweep_env, "migrate", "--no-input", "-v0")
    return bench_sweep(args, sweep_env)
