"""The HTTP figures, against gunicorn: check-in POST vs a bare create, sync/ vs one POST, the
dashboard vs a bare list, and the dashboard's query count for 50 vs 500 patients."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import uuid
from pathlib import Path

from scripts.benchmarks.common import Figure, ratio_figure, recorded_at_for, utc_today
from scripts.benchmarks.data import bulk_patients, physio_token, sync_body, sync_plan_items
from scripts.benchmarks.environment import Server, purge_queue
from scripts.benchmarks.load import CHECKIN_LUA, GET_LUA, lua_list, request, wrk
from scripts.benchmarks.outcomes_figures import bench_questionnaire


def bench_checkin(port: int, args, pool: list[str]) -> Figure:
    """Check-in POST (validation, inline emergency/urgent rules, store, enqueue) vs a bare
    DRF create of one row, in requests per second."""
    today = utc_today()
    dates = [(today - dt.timedelta(days=n)).isoformat() for n in range(31)]
    per_round = len(pool) // (args.pairs + 1)
    products, floors, bad = [], [], 0
    for round_index in range(args.pairs + 1):
        tokens = pool[round_index * per_round : (round_index + 1) * per_round]
        results = {}
        for kind, path in (("checkin", "/api/v1/checkins/"), ("floor", "/bench/rows/")):
            script = CHECKIN_LUA % {
                "tokens": lua_list(tokens),
                "dates": lua_list(dates),
                "recorded": lua_list([recorded_at_for(d) for d in dates]),
                "path": path,
                "kind": kind,
                "threads": args.threads,
            }
            results[kind] = wrk(
                f"http://127.0.0.1:{port}{path}",
                script,
                seconds=args.seconds,
                connections=args.connections,
                threads=args.threads,
            )
        if round_index == 0:
            continue  # warm-up
        products.append(results["checkin"].rps)
        floors.append(results["floor"].rps)
        bad += results["checkin"].non_2xx + results["floor"].non_2xx
    figure = ratio_figure(
        "check-in POST throughput",
        products,
        floors,
        unit="req/s",
        target="≥ 0.7× bare create",
        check=lambda r: r >= 0.7,
    )
    figure.notes.append(f"non-2xx responses: {bad}")
    return figure


def _count_statuses(data: bytes, statuses: dict[str, int]) -> None:
    answer = json.loads(data)
    for kind in ("checkins", "exercise_sessions"):
        for item in answer.get(kind, []):
            statuses[item["status"]] = statuses.get(item["status"], 0) + 1


def bench_sync(port: int, args, sync_patients: list[tuple[str, dict]], singles: list[str]) -> list:
    """POST sync/ with 500 items, all accepted (31 check-ins, one per allowed date, and
    exercise sessions), vs one check-in POST, latency at concurrency 1; then the same body
    again (500 replays, all unchanged) vs one check-in POST."""
    today = utc_today()
    products, floors, replays = [], [], []
    statuses: dict[str, int] = {}
    replay_statuses: dict[str, int] = {}
    single_index = 0
    for round_index, (token, items) in enumerate(sync_patients):
        latencies = []
        for _ in range(args.single_posts):
            date = (today - dt.timedelta(days=single_index // len(singles))).isoformat()
            body = {
                "client_id": str(uuid.uuid4()),
                "date": date,
                "pain_now": 3,
                "pain_worst_24h": 5,
                "morning_stiffness_minutes": 10,
                "sleep_disturbed": False,
                "daily_activities_affected": False,
                "weight_bearing": "full",
                "night_or_rest_pain": False,
                "walking_aid": "none",
                "limping": False,
                "painful_sides": ["left"],
                "red_flags": [],
                "recorded_at": recorded_at_for(date),
            }
            status, _, elapsed = request(
                port, "POST", "/api/v1/checkins/", singles[single_index % len(singles)], body
            )
            single_index += 1
            if status == 201:
                latencies.append(elapsed)
        status, data, elapsed = request(port, "POST", "/api/v1/sync/", token, items)
        if status == 200:
            _count_statuses(data, statuses)
        status, again, replayed = request(port, "POST", "/api/v1/sync/", token, items)
        if status == 200:
            _count_statuses(again, replay_statuses)
        if round_index == 0 or not latencies:
            continue
        products.append(elapsed * 1000)
        replays.append(replayed * 1000)
        floors.append(statistics.median(latencies) * 1000)
    figure = ratio_figure(
        "POST sync/ (500 items, all accepted) time",
        products,
        floors,
        unit="ms",
        target="≤ 10× one check-in POST",
        check=lambda r: r <= 10,
    )
    figure.notes.append(f"sync item statuses: {statuses}")
    replay = ratio_figure(
        "POST sync/ (the same 500 again: replays) time",
        replays,
        floors,
        unit="ms",
        target="≤ 10× one check-in POST",
        check=lambda r: r <= 10,
    )
    replay.notes.append(f"replay item statuses: {replay_statuses}")
    return [figure, replay]


def bench_dashboard(port: int, args, token: str) -> Figure:
    """Dashboard cohort page (50 rows of a 500-patient team, sorted by a computed column) vs a
    bare DRF list of 50 rows, in requests per second."""
    path = f"/api/v1/dashboard/patients/?ordering={args.dashboard_ordering}&page_size=50"
    status, data, _ = request(port, "GET", path, token)
    if status != 200:
        raise RuntimeError(f"dashboard answered {status}: {data[:300]!r}")
    products, floors = [], []
    for round_index in range(args.pairs + 1):
        product = wrk(
            f"http://127.0.0.1:{port}{path}",
            GET_LUA % {"token": token},
            seconds=args.seconds,
            connections=args.connections,
            threads=args.threads,
        )
        floor = wrk(
            f"http://127.0.0.1:{port}/bench/rows/list/?page_size=50",
            GET_LUA % {"token": token},
            seconds=args.seconds,
            connections=args.connections,
            threads=args.threads,
        )
        if round_index:
            products.append(product.rps)
            floors.append(floor.rps)
    return ratio_figure(
        "dashboard page (50 of 500 patients)",
        products,
        floors,
        unit="req/s",
        target="≥ 1/3 of bare 50-row list",
        check=lambda r: r >= 1 / 3,
    )


def dashboard_queries(args) -> Figure:
    """Queries of the dashboard page for a 50- and a 500-patient care team (must be equal)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import CareTeamMembership

    counts = {}
    for team in ("Bench 50", "Bench 500"):
        user = CareTeamMembership.objects.get(care_team__name=team).user
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        client.get("/api/v1/dashboard/patients/")  # session and caches warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                f"/api/v1/dashboard/patients/?ordering={args.dashboard_ordering}&page_size=50"
            )
        if response.status_code != 200:
            raise RuntimeError(f"dashboard answered {response.status_code}")
        counts[team] = len(queries)
    equal = counts["Bench 50"] == counts["Bench 500"]
    return Figure(
        name="dashboard queries, 50 vs 500 patients",
        product=str(counts["Bench 500"]),
        floor=str(counts["Bench 50"]),
        ratio=None,
        target="equal",
        met=equal,
    )


def run_http(args, env: dict[str, str], logs: Path) -> list[Figure]:
    """Write the data of the HTTP figures (patients with tokens, the 500- and 50-patient
    dashboard cohorts, the floor's rows), then measure them against one gunicorn."""
    from apps.devtools.benchfloor.models import BenchRow
    from apps.flags.tasks import sweep_active_episodes
    from scripts.cohort.generate import generate_cohort

    figures: list[Figure] = []
    chosen = set(filter(None, getattr(args, "http_figures", "").split(",")))

    def wanted(name: str) -> bool:  # bench.py --http-figures (default: all)
        return not chosen or name in chosen

    _, pool = bulk_patients(300 * (args.pairs + 1), label="checkin", onset_days_ago=60)
    _, singles = bulk_patients(100, label="single", onset_days_ago=60)
    sync_people, sync_tokens = bulk_patients(args.pairs + 1, label="sync", onset_days_ago=600)
    plans = sync_plan_items(sync_people)
    sync_patients = [
        (token, sync_body(args.sync_items, plans[person.pk]))
        for person, token in zip(sync_people, sync_tokens, strict=True)
    ]
    if wanted("dashboard"):
        print("Generating the dashboard cohorts (500 and 50 patients × 1 year)…", file=sys.stderr)
        for size in (500, 50):
            generate_cohort(
                patients=size,
                seed=args.seed,
                clinic_name=f"Bench dashboard {size}",
                care_team_name=f"Bench {size}",
                full_year=True,
                run_flags=False,
            )
        sweep_active_episodes()
    owner = sync_people[0].user
    BenchRow.objects.bulk_create(
        [BenchRow(owner=owner, name=f"row {n}", value=n, score=n % 97) for n in range(500)]
    )
    if wanted("dashboard"):
        figures.append(dashboard_queries(args))
    server = Server(env, logs / "gunicorn.log")
    try:
        if wanted("checkin"):
            print("Check-in POST vs bare create…", file=sys.stderr)
            figures.append(bench_checkin(server.port, args, pool))
        if wanted("questionnaire"):
            figures.append(bench_questionnaire(server.port, args, pool))  # outcomes_figures.py
        if wanted("sync"):
            print("sync/ vs one POST…", file=sys.stderr)
            figures += bench_sync(server.port, args, sync_patients, singles)
        if wanted("dashboard"):
            print("Dashboard vs bare list…", file=sys.stderr)
            figures.append(bench_dashboard(server.port, args, physio_token("Bench 500")))
    finally:
        server.stop()
    purge_queue()
    return figures
