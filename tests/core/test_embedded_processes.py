"""The embedded default, as `make run` starts it: the real gunicorn web (2 processes), Celery
worker (prefork, 2) and Celery beat on one fresh SQLite file and kombu's filesystem broker.

8 concurrent clients write at once (profile, reminders, check-ins, sync) and no request may
fail, no task may fail, nothing may be lost; then GET health/ must notice the worker stopping
and its return (docs/operations.md).

The processes always run on the embedded defaults (the PostgreSQL / Redis variables are
removed from their environment), so the test runs in both CI passes. Waits are generous
polls (a loaded 2-core machine); the only deadline asserted is the documented one: health
answers 503 within a minute of the worker stopping.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scripts.run import ROOT, commands
from tests.checkins.factories import checkin_payload

CLIENTS = 8
WRITES_PER_CLIENT = 30
PATIENTS = 4
PHYSIO_EMAIL = "physio@embedded.test"
PASSWORD = "embedded-test-2026"  # noqa: S105 - a throwaway test login
# Faster heartbeat for the test: health must turn 503 well within the minute.
HEARTBEAT_SECONDS = 3
WORKER_MAX_AGE_SECONDS = 10
LOG_PROBLEMS = ("Traceback", "database is locked", "raised unexpected", "OperationalError")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Http:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self, method: str, path: str, body: object = None, token: str | None = None
    ) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - our own server
            f"{self.base}/api/v1/{path}", data=data, method=method
        )
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode(errors="replace")


class Embedded:
    """The three processes of scripts/run.py on a temporary var folder."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.port = free_port()
        self.http = Http(f"http://127.0.0.1:{self.port}")
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_DEBUG"}
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="backend.settings.local",
            TOH_VAR_DIR=str(var_dir),
            PYTHONUNBUFFERED="1",
            THROTTLE_AUTH_RATE="1000/minute",
            THROTTLE_WRITE_RATE="100000/minute",
            NOTIFICATION_PUSH_CHANNEL="apps.notifications.channels.console.ConsoleChannel",
            HEALTH_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
            HEALTH_WORKER_MAX_AGE_SECONDS=str(WORKER_MAX_AGE_SECONDS),
            HEALTH_WORKER_STARTUP_GRACE_SECONDS="5",
            TOH_PHYSIO_PASSWORD=PASSWORD,
            LOG_LEVEL="INFO",
        )
        self.commands = commands("127.0.0.1", str(self.port))
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, list[Path]] = {}

    def manage(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - fixed command
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=300,
        )

    def start(self, name: str) -> None:
        log = self.var_dir / f"{name}-{len(self.logs.get(name, []))}.log"
        self.logs.setdefault(name, []).append(log)
        with log.open("wb") as out:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - fixed commands
                self.commands[name], cwd=ROOT, env=self.env, stdout=out, stderr=out
            )

    def stop(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log_text(self, name: str) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs.get(name, []))

    def health(self) -> tuple[int, dict]:
        try:
            return self.http.call("GET", "health/")
        except OSError:
            return 0, {}

    def wait_for(self, condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            for name, process in self.processes.items():
                assert process.poll() is None or name == "worker", (
                    f"{name} exited: {self.log_text(name)[-3000:]}"
                )
            time.sleep(0.5)
        return condition()


def worker_seen(embedded: Embedded) -> bool:
    status, body = embedded.health()
    worker = body.get("components", {}).get("worker", {}) if isinstance(body, dict) else {}
    return status == 200 and worker.get("age_seconds") is not None


def enrol_patients(http: Http) -> list[str]:
    status, body = http.call("POST", "auth/token/", {"email": PHYSIO_EMAIL, "password": PASSWORD})
    assert status == 200, body
    physio = body["token"]
    _, consent = http.call("GET", "consent/current/")
    tokens = []
    for number in range(PATIENTS):
        status, patient = http.call(
            "POST",
            "patients/",
            {
                "email": f"patient{number}@embedded.test",
                "first_name": "Pat",
                "last_name": f"Number{number}",
                "date_of_birth": "1980-05-01",
                "sex": "female",
                "timezone": "Europe/London",
            },
            physio,
        )
        assert status == 201, patient
        status, enrolled = http.call(
            "POST",
            "auth/enrol/",
            {
                "enrolment_code": patient["enrolment_code"],
                "password": PASSWORD,
                "consent_version": consent["version"],
            },
        )
        assert status == 201, enrolled
        onset = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=60)).isoformat()
        status, episode = http.call(
            "POST",
            "me/episodes/",
            {"affected_side": "left", "symptom_onset_date": onset, "pregnancy_associated": False},
            enrolled["token"],
        )
        assert status == 201, episode
        tokens.append(enrolled["token"])
    return tokens


def client_writes(http: Http, client: int, token: str) -> list[tuple[int, str, object, dict]]:
    """30 writes of one client: (status, what, body, check-in sent)."""
    results = []
    today = dt.datetime.now(dt.UTC).date()
    for write in range(WRITES_PER_CLIENT):
        # Dates 1..29 days back (never the patient's local today, whatever the hour in UTC).
        day = today - dt.timedelta(days=1 + (client * 7 + write) % 29)
        checkin = checkin_payload(day, pain_now=write % 11, client_id=str(uuid.uuid4()))
        kind = write % 4
        if kind == 0:
            sent = ("PATCH", "me/", {"first_name": f"Pat{client}-{write}"})
        elif kind == 1:
            sent = (
                "PUT",
                "me/reminders/",
                {
                    "checkin_time": f"{18 + write % 4:02d}:{write % 60:02d}",
                    "channels": ["push"],
                    "quiet_hours_start": "23:00",
                    "quiet_hours_end": "07:00",
                    "enabled": True,
                },
            )
        elif kind == 2:
            sent = ("POST", "checkins/", checkin)
        else:
            sent = ("POST", "sync/", {"checkins": [checkin], "exercise_sessions": []})
        status, body = http.call(*sent, token=token)
        results.append((status, sent[1], body, checkin if kind >= 2 else {}))
    return results


def accepted_checkins(results) -> list[dict]:
    accepted = []
    for status, path, body, checkin in results:
        if path == "checkins/" and status == 201:
            accepted.append(checkin)
        if path == "sync/" and status == 200 and body["checkins"][0]["status"] == "created":
            accepted.append(checkin)
    return accepted


def stored_client_ids(http: Http, token: str) -> set[str]:
    stored, page = set(), 1
    while True:
        status, body = http.call("GET", f"checkins/?page={page}&page_size=200", token=token)
        assert status == 200, body
        stored |= {item["client_id"] for item in body["results"]}
        if not body.get("next"):
            return stored
        page += 1


def broker_queue_empty(var_dir: Path) -> bool:
    return not any((var_dir / "broker" / "queue").glob("*.msg"))


def test_the_embedded_default_takes_concurrent_writes_and_health_tracks_the_worker(tmp_path):
    embedded = Embedded(tmp_path)
    embedded.manage("migrate", "--noinput")
    try:
        for name in ("web", "worker", "beat"):
            embedded.start(name)
        embedded.manage("create_clinic", "--name", "Embedded", "--physio-email", PHYSIO_EMAIL)
        assert embedded.wait_for(lambda: worker_seen(embedded), timeout=180), (
            embedded.health(),
            embedded.log_text("worker")[-3000:],
            embedded.log_text("beat")[-3000:],
        )
        tokens = enrol_patients(embedded.http)

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [
                pool.submit(client_writes, embedded.http, client, tokens[client % PATIENTS])
                for client in range(CLIENTS)
            ]
            per_client = [future.result() for future in futures]
        results = [result for client in per_client for result in client]

        assert len(results) == CLIENTS * WRITES_PER_CLIENT
        server_errors = [(s, p, b) for s, p, b, _ in results if s >= 500]
        assert server_errors == [], embedded.log_text("web")[-5000:]
        assert {s for s, *_ in results} <= {200, 201, 409}, sorted({s for s, *_ in results})
        for patient, token in enumerate(tokens):
            accepted = accepted_checkins(
                [r for c, rs in enumerate(per_client) if c % PATIENTS == patient for r in rs]
            )
            assert accepted, "each patient had check-ins accepted"
            assert {c["client_id"] for c in accepted} <= stored_client_ids(embedded.http, token)

        with sqlite3.connect(tmp_path / "db.sqlite3") as database:
            assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)

        # Let the worker run what the writes enqueued (flag evaluations, notifications).
        assert embedded.wait_for(lambda: broker_queue_empty(tmp_path), timeout=180)
        time.sleep(HEARTBEAT_SECONDS)  # a last heartbeat run, logged like any task
        for name in ("worker", "beat", "web"):
            text = embedded.log_text(name)
            problems = [line for line in text.splitlines() if any(p in line for p in LOG_PROBLEMS)]
            assert problems == [], f"{name}: {problems[:5]}"
        assert "succeeded" in embedded.log_text("worker")  # the worker did run the tasks

        # Health follows the worker: 503 within a minute of it stopping, 200 after a restart.
        embedded.stop("worker")
        assert embedded.wait_for(lambda: embedded.health()[0] == 503, timeout=60)
        status, body = embedded.health()
        assert body["components"]["worker"]["status"] == "error"
        assert body["components"]["database"]["status"] == "ok"

        embedded.start("worker")
        assert embedded.wait_for(lambda: embedded.health()[0] == 200, timeout=180), (
            embedded.log_text("worker")[-3000:]
        )
        assert embedded.health()[1]["components"]["worker"]["status"] == "ok"
    finally:
        embedded.stop_all()
