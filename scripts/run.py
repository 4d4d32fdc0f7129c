"""Start web (gunicorn), a Celery worker and Celery beat together, as docker-compose does.

`make run` calls this after migrating and loading the demo. Ctrl-C stops all three; if one
of them dies, the others are stopped too, so a broken start is never half-running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


def commands(host: str = HOST, port: str = PORT) -> dict[str, list[str]]:
    """The same commands as docker-compose.yml's web, worker and beat services (also used by
    tests/core/test_embedded_processes.py). The web is gunicorn's sync workers: separate
    processes, one request at a time each; the worker is Celery's prefork pool. On the
    embedded defaults all of them share one SQLite file (WAL, see docs/operations.md)."""
    return {
        "web": [
            str(BIN / "gunicorn"),
            "backend.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            os.environ.get("WEB_CONCURRENCY", "2"),
            "--access-logfile",
            "-",
        ],
        "worker": [
            str(BIN / "celery"),
            "-A",
            "backend",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            os.environ.get("CELERY_CONCURRENCY", "2"),
        ],
        "beat": [str(BIN / "celery"), "-A", "backend", "beat", "--loglevel", "INFO"],
    }


PROCESSES = commands()


def wait_for_health(url: str, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def main() -> int:
    os.chdir(ROOT)
    children = {
        name: subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - fixed commands
        for name, command in PROCESSES.items()
    }

    def stop(*_args) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    try:
        announce_when_healthy()
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
    finally:
        stop()
        for child in children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [name for name, child in children.items() if child.returncode not in (0, -15)]
    return 1 if failed else 0


def announce_when_healthy() -> None:
    base = f"http://{HOST}:{PORT}"
    if wait_for_health(f"{base}/api/v1/health/"):
        print(
            "\n".join(
                [
                    "",
                    "TOH Recovery is running (web, Celery worker, Celery beat). Ctrl-C stops it.",
                    f"  API health     {base}/api/v1/health/",
                    f"  API docs       {base}/api/v1/docs/",
                    f"  Dashboard      {base}/dashboard/",
                    f"  Admin          {base}/admin/",
                    "",
                    "Demo logins (local development only):",
                    *[f"  {line}" for line in demo_logins()],
                    "",
                ]
            ),
            flush=True,
        )
    else:
        print("The web server did not answer /api/v1/health/ in time; see the log above.")


def demo_logins() -> list[str]:
    from apps.devtools.demo.accounts import DEMO_LOGINS

    return [f"{role:<16} {email}  /  {password}" for role, email, password in DEMO_LOGINS]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
