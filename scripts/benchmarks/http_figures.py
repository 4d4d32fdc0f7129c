"""The HTTP figures, against gunicorn: check-in POST vs a bare create, sync/ vs one POST, the
dashboard vs a bare list, and the dashboard's query count for 50 vs 500 patients."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.benchmarks.common import (
    TARGETS,
    Figure,
    paired_figure,
    ratio_figure,
    recorded_at_for,
    utc_today,
)
from scripts.benchmarks.data import bulk_patients, physio_token, sync_body, sync_plan_items
from scripts.benchmarks.embedded_figures import bench_embedded
from scripts.benchmarks.environment import Server, purge_queue
from scripts.benchmarks.load import (
    CHECKIN_BODY,
    Paired,
    paired_gets,
    paired_posts,
    request,
)
from scripts.benchmarks.outcomes_figures import bench_questionnaire


def bench_checkin(port: int, args, pool: list[str]) -> Figure:
    """Check-in POST (validation, inline emergency/urgent rules, store, enqueue) vs a bare
    DRF create of one row, in requests per second."""
    return paired_figure(
        "check-in POST throughput",
        checkin_rounds(port, args, pool),
        key="checkin",
    )


def checkin_rounds(port: int, args, pool: list[str]) -> Paired:
    """Check-in POSTs vs the bare create in paired rounds: each request a real create, by one
    of the round's patients on one of the 31 allowed dates."""
    today = utc_today()
    dates = [(today - dt.timedelta(days=n)).isoformat() for n in range(31)]
    lists = {"dates": dates, "recorded": [recorded_at_for(d) for d in dates]}
    return paired_posts(port, args, pool, path="/api/v1/checkins/", body=CHECKIN_BODY, lists=lists)


#: The item lists of a sync/ answer (all three kinds are counted in the figure's notes).
SYNC_KINDS = ("checkins", "exercise_sessions", "questionnaire_responses")


def _count_statuses(data: bytes, statuses: dict[str, int]) -> None:
    answer = json.loads(data)
    for kind in SYNC_KINDS:
        for item in answer.get(kind, []):
            statuses[item["status"]] = statuses.get(item["status"], 0) + 1


def bench_sync(port: int, args, sync_patients: list[tuple[str, dict]], singles: list[str]) -> list:
    """POST sync/ with 500 items, all accepted (31 check-ins, one per allowed date, 6
    questionnaire responses and exercise sessions: scripts/benchmarks/data.py sync_body), vs
    one check-in POST, latency at concurrency 1; then the same body again (500 replays, all
    unchanged) vs one check-in POST. The notes count the statuses of every item."""
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
        key="sync",
    )
    figure.notes.append(f"sync item statuses: {statuses}")
    replay = ratio_figure(
        "POST sync/ (the same 500 again: replays) time",
        replays,
        floors,
        unit="ms",
        key="sync-replay",
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
    return paired_figure(
        "dashboard page (50 of 500 patients)",
        paired_gets(port, args, token, path),
        key="dashboard",
    )


def timeline_patient(team: str) -> tuple[str, str]:
    """The patient of ``team`` with the most check-ins in the year ending on their local
    today: (the path of their timeline, its year's range as the query string)."""
    from django.db.models import Count, Q

    from apps.accounts.models import Patient
    from apps.core.timezones import local_today

    year_ago = utc_today() - dt.timedelta(days=364)
    patient = (
        Patient.objects.filter(care_team__name=team)
        .annotate(days=Count("checkins", filter=Q(checkins__date__gte=year_ago)))
        .order_by("-days", "pk")
        .first()
    )
    if patient is None:
        raise RuntimeError(f"no patient in {team!r}")
    to = local_today(patient.timezone)
    since = to - dt.timedelta(days=364)
    return f"/api/v1/patients/{patient.pk}/timeline/", f"?from={since}&to={to}"


def bench_timeline(port: int, args, token: str, team: str) -> list[Figure]:
    """The timeline of a patient with a year of data for their physio vs the bare 50-row list:
    the default range (the last 30 local dates: the figure with the target) and the whole
    year (365 dates, ~90 times the floor's bytes; reported, no target)."""
    path, year = timeline_patient(team)
    figures = []
    for name, query, key in (
        (TARGETS["timeline"].row, "", "timeline"),
        ("timeline of a one-year patient, the whole year (365 dates)", year, ""),
    ):
        status, data, _ = request(port, "GET", path + query, token)
        if status != 200:
            raise RuntimeError(f"timeline answered {status}: {data[:300]!r}")
        entries = json.loads(data)["entries"]
        figure = paired_figure(
            name,
            paired_gets(port, args, token, path + query),
            key=key,
        )
        figure.notes.append(
            f"{len(entries)} entries: {sum(1 for e in entries if e['checkin'])} with a "
            f"check-in, {sum(len(e['sessions_done']) for e in entries)} sessions done, "
            f"{len(data) / 1024:.0f} KiB (the floor's page: ~7 KiB)"
        )
        figures.append(figure)
    return figures


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
        name=TARGETS["dashboard-queries"].row,
        product=str(counts["Bench 500"]),
        floor=str(counts["Bench 50"]),
        ratio=None,
        target=TARGETS["dashboard-queries"].text,
        met=equal,
        key="dashboard-queries",
    )


@dataclass
class Data:
    """What the HTTP figures are given: the check-in pool's tokens, the single POSTs' tokens,
    the sync/ patients with their bodies, the 500-patient team's physio token, the logs."""

    pool: list[str]
    singles: list[str]
    sync_patients: list[tuple[str, dict]]
    physio: str
    logs: Path


#: The HTTP figures in the order they run: {name (--http-figures): (what, run)}.
HTTP_FIGURES: dict[str, tuple[str, Callable[[int, Any, Data], list[Figure]]]] = {
    "checkin": ("Check-in POST vs bare create", lambda p, a, d: [bench_checkin(p, a, d.pool)]),
    "questionnaire": (
        "Questionnaire-response POST vs bare create",
        lambda p, a, d: [bench_questionnaire(p, a, d.pool)],  # outcomes_figures.py
    ),
    "sync": ("sync/ vs one POST", lambda p, a, d: bench_sync(p, a, d.sync_patients, d.singles)),
    "dashboard": ("Dashboard vs bare list", lambda p, a, d: [bench_dashboard(p, a, d.physio)]),
    "timeline": (
        "Timeline of a one-year patient vs bare list",
        lambda p, a, d: bench_timeline(p, a, d.physio, "Bench 500"),
    ),
    "embedded": (
        "Check-in POST on the embedded default (SQLite) beside PostgreSQL",
        lambda p, a, d: [bench_embedded(p, a, d.logs)],  # embedded_figures.py
    ),
}


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
    cohorts = wanted("dashboard") or wanted("timeline")  # the timeline's patient is of the 500
    if cohorts:
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
    physio = physio_token("Bench 500") if cohorts else ""
    if wanted("dashboard"):
        figures.append(dashboard_queries(args))
    server = Server(env, logs / "gunicorn.log")
    try:
        for name, (about, run) in HTTP_FIGURES.items():
            if wanted(name):
                print(f"{about}…", file=sys.stderr)
                figures += run(server.port, args, Data(pool, singles, sync_patients, physio, logs))
    finally:
        server.stop()
    purge_queue()
    return figures
