"""The embedded default under load: the product as `make run` serves it (scripts/run.py: web,
Celery worker and beat, `backend.settings.local`, an SQLite file and kombu's filesystem broker
in a fresh TOH_VAR_DIR, no DATABASE_URL / REDIS_URL) taking check-in POSTs from wrk's
concurrent clients, every one a real create. Reported beside the PostgreSQL check-in rate in
paired rounds (the bench's gunicorn on PostgreSQL); the target is no error at all: not one
non-2xx answer (no "database is locked") and no lock error in the processes' log."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.benchmarks.common import (
    ENTRY_POINT,
    ROOT,
    Figure,
    ratio_figure,
    recorded_at_for,
    utc_today,
)
from scripts.benchmarks.data import bulk_patients
from scripts.benchmarks.environment import free_port, stop_group
from scripts.benchmarks.load import CHECKIN_BODY, WrkResult, paired_rounds, post_script, run_wrk

#: What the embedded default must not be given: with these unset it runs on SQLite and the
#: filesystem broker (README: the embedded defaults).
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_DIRECT_URL",
    "DATABASE_POOLER",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
)


def embedded_env(var_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(TOH_VAR_DIR=str(var_dir), HOST="127.0.0.1", PORT=str(port), PYTHONPATH=str(ROOT))
    return env


def embedded_data(count: int) -> None:
    """Child (``--embedded-data N``), in the embedded env: N patients with an active episode
    and a device token in the SQLite file. Prints their tokens as one JSON line."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    django.setup()
    _, tokens = bulk_patients(count, label="embedded", onset_days_ago=60)
    print(json.dumps(tokens))


class EmbeddedProduct:
    """scripts/run.py (what `make run` starts after migrating) on a fresh var folder."""

    def __init__(self, folder: Path, count: int) -> None:
        self.port = free_port()
        self.env = embedded_env(folder / "var", self.port)
        python = sys.executable
        subprocess.run(
            [python, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        out = subprocess.run(
            [python, str(ENTRY_POINT), "--embedded-data", str(count)],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        self.tokens: list[str] = json.loads(out.strip().splitlines()[-1])
        self.log_path = folder / "run.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [python, "scripts/run.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        from scripts.run import wait_for_health

        if not wait_for_health(f"http://127.0.0.1:{self.port}/api/v1/health/", timeout=120):
            self.stop()
            raise RuntimeError(f"the embedded product did not become healthy; see {self.log_path}")

    def lock_errors(self) -> int:
        """Lines of the web, worker and beat logs that name SQLite's lock."""
        self.log.flush()
        return sum("database is locked" in line for line in self.log_path.open(errors="replace"))

    def stored_checkins(self) -> int:
        import sqlite3

        with sqlite3.connect(Path(self.env["TOH_VAR_DIR"]) / "db.sqlite3", timeout=30) as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM checkins_checkin").fetchone()
        return int(count)

    def stop(self) -> None:
        stop_group(self.process, self.log, timeout=60)


def bench_embedded(postgres_port: int, args, logs: Path) -> Figure:
    """Check-in POSTs, ``args.connections`` clients: the embedded default vs PostgreSQL (the
    bench's gunicorn), alternating, each round with patients of its own on both sides."""
    per_round = 300
    rounds = args.pairs + 1
    _, postgres_pool = bulk_patients(per_round * rounds, label="embedded-pg", onset_days_ago=60)
    folder = Path(tempfile.mkdtemp(prefix="embedded-", dir=logs))
    product = EmbeddedProduct(folder, per_round * rounds)
    today = utc_today()
    dates = [(today - dt.timedelta(days=n)).isoformat() for n in range(31)]
    lists = {"dates": dates, "recorded": [recorded_at_for(d) for d in dates]}
    path = "/api/v1/checkins/"

    embedded: list[WrkResult] = []

    def one(port: int, pool: list[str], round_index: int) -> WrkResult:
        tokens = pool[round_index * per_round : (round_index + 1) * per_round]
        script = post_script(
            path=path, tokens=tokens, threads=args.threads, body=CHECKIN_BODY, lists=lists
        )
        result = run_wrk(port, path, script, args)
        if port == product.port:
            embedded.append(result)
        return result

    try:
        time.sleep(2)
        paired = paired_rounds(
            args.pairs,
            lambda i: (one(product.port, product.tokens, i), one(postgres_port, postgres_pool, i)),
        )
        time.sleep(1)
        locked, stored = product.lock_errors(), product.stored_checkins()
    finally:
        product.stop()
    figure = ratio_figure(
        f"check-in POST on the embedded default (SQLite), {args.connections} clients",
        paired.products,
        paired.floors,
        unit="req/s",
        key="embedded",
    )
    figure.floor += " PostgreSQL"
    errors = sum(r.non_2xx for r in embedded)
    requests = sum(r.requests for r in embedded)
    figure.met = errors == 0 and locked == 0 and requests > 0
    figure.notes += [
        f"SQLite non-2xx responses: {errors} of {requests:,} (every round, warm-up too)",
        f"PostgreSQL non-2xx responses: {paired.non_2xx - errors}",
        f"'database is locked' in the web/worker/beat log: {locked}",
        f"check-ins stored in the SQLite file: {stored:,}",
    ]
    return figure
