"""Benchmarks of the product against framework floors served in the same run (`make bench`).

Each figure compares a product path with a floor measured by the same server, settings and
load generator, alternating product and floor for at least five pairs and reporting the median
ratio, because this machine is noisy (shared/STACK.md). Needs PostgreSQL and Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/toh_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        make bench

The database named in DATABASE_URL (its name must contain "bench") and "<name>_sweep" are
dropped and recreated. Everything listens on 127.0.0.1 only. Writes docs/benchmarks.md.

This file reads the options and runs the parts in scripts/benchmarks/: the HTTP figures
(http_figures), the reminders figure (reminders_figures), the nightly sweep (sweep_figures),
then the report (report).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

if __name__ == "__main__":  # `python scripts/bench.py`: the project root, not scripts/, on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.benchmarks.common import Figure
from scripts.benchmarks.embedded_figures import embedded_data
from scripts.benchmarks.environment import (
    bench_env,
    machine,
    manage,
    recreate_database,
    setup_django,
)
from scripts.benchmarks.http_figures import HTTP_FIGURES, run_http
from scripts.benchmarks.reminders_figures import run_reminders
from scripts.benchmarks.report import table, write_report
from scripts.benchmarks.scale_figures import sweep_worker
from scripts.benchmarks.sweep_figures import run_sweep, sweep_phase


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=6, help="per load-generator round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--single-posts", type=int, default=20)
    parser.add_argument("--sync-items", type=int, default=500)
    parser.add_argument("--dashboard-ordering", default="-pain_7d_mean")
    parser.add_argument(
        "--sweep-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 5000, 10000]
    )
    parser.add_argument("--sweep-repeats", type=int, default=3)
    parser.add_argument("--reminders", type=int, default=100_000)
    # Per reminders round: a round that has not sent all its reminders by then is cut short and
    # the figure reported as missed (20,000 take ~40 s here; ~6 min before the batched claim).
    parser.add_argument("--phase-timeout", type=float, default=1200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", default="", help="comma-separated: http,sweep,reminders")
    parser.add_argument(
        "--http-figures",
        default=",".join(HTTP_FIGURES),
        help="comma-separated, of " + ",".join(HTTP_FIGURES) + " (without dashboard and "
        "timeline the 500- and 50-patient cohorts are not generated)",
    )
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--sweep-phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sweep-worker", default="", help=argparse.SUPPRESS)
    parser.add_argument("--embedded-data", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sweep-worker-repeats", type=int, default=3, help="pairs of 1- and 2-process sweeps"
    )
    return parser


def _refusal(database_url: str) -> str | None:
    """Why the bench cannot run here (None: it can)."""
    if not database_url.startswith(("postgres://", "postgresql://")) or not os.environ.get(
        "REDIS_URL"
    ):
        return "make bench needs DATABASE_URL=postgres://… and REDIS_URL=redis://…"
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    if "bench" not in name:
        return f"Refusing to drop database {name!r}: its name must contain 'bench'."
    if shutil.which("wrk") is None:
        return "The benchmarks need wrk (Debian: apt-get install wrk)."
    return None


def _child(args) -> bool:
    """Run the child part the hidden options name, if any (True: one ran)."""
    if args.sweep_phase:
        sweep_phase(args)
    elif args.sweep_worker:
        sweep_worker(args.sweep_worker)
    elif args.embedded_data:
        embedded_data(args.embedded_data)
    else:
        return False
    return True


def main() -> int:
    args = _parser().parse_args()
    if _child(args):
        return 0

    database_url = os.environ.get("DATABASE_URL", "")
    refusal = _refusal(database_url)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    skip = set(filter(None, args.skip.split(",")))
    started = time.monotonic()
    about_machine = machine()
    logs = Path(tempfile.mkdtemp(prefix="toh-bench-"))
    env = bench_env(database_url)
    figures: list[Figure] = []

    print("Preparing the database…", file=sys.stderr)
    recreate_database(database_url)
    manage(env, "migrate", "--no-input", "-v0")
    setup_django(database_url)
    if "http" not in skip:
        figures += run_http(args, env, logs)
    if "reminders" not in skip:
        figures += run_reminders(args, env, logs)
    if "sweep" not in skip:
        figures += run_sweep(args, database_url, name)

    print(table(figures))
    for figure in figures:
        for note in figure.notes:
            print(f"  {figure.name}: {note}")
    if not args.no_report:
        command = (
            "make bench" if len(sys.argv) == 1 else "scripts/bench.py " + " ".join(sys.argv[1:])
        )
        write_report(
            figures, machine=about_machine, command=command, seconds=time.monotonic() - started
        )
    print(f"Logs: {logs}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
