"""The container: what the image holds, how the stack is wired, what gunicorn logs.

`docker-compose config` (Debian's docker-compose, installed by .ci/run from .ci/apt-packages)
validates docker-compose.yml; the checks on the file's text run everywhere. The build
context's `.dockerignore` is checked by evaluating its patterns with Docker's matching rules
(implemented below with fnmatch-style regexes: the `docker` package is not installed here).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SECRETS = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD")
REQUIRED = {
    "DJANGO_SECRET_KEY": "test-secret-key-not-for-use",
    "DJANGO_ALLOWED_HOSTS": "toh.example.org",
    "POSTGRES_PASSWORD": "pg0123456789abcdef",
    "REDIS_PASSWORD": "redis0123456789abcdef",
    "RABBITMQ_PASSWORD": "rabbit0123456789abcdef",
}
DOCKER_COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(
    DOCKER_COMPOSE is None,
    reason="docker-compose is missing: apt-get install docker-compose (.ci/apt-packages)",
)


def compose_config(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    empty_env_file = tmp_path / "empty.env"  # a developer's .env must not change the answer
    empty_env_file.write_text("")
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    return subprocess.run(  # noqa: S603 - a fixed command
        [DOCKER_COMPOSE, "--env-file", str(empty_env_file), "-f", str(COMPOSE), "config"],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@needs_compose
class TestComposeValidates:
    def test_the_file_is_valid_with_the_required_variables(self, tmp_path):
        result = compose_config(REQUIRED, tmp_path)
        assert result.returncode == 0, result.stderr
        config = yaml.safe_load(result.stdout)
        web = config["services"]["web"]
        assert web["ports"] in (["127.0.0.1:8000:8000/tcp"], ["127.0.0.1:8000:8000"])
        environment = web["environment"]
        assert environment["REDIS_URL"] == f"redis://:{REQUIRED['REDIS_PASSWORD']}@redis:6379/0"
        assert REQUIRED["POSTGRES_PASSWORD"] in environment["DATABASE_URL"]

    def test_the_scale_profile_runs_on_pgbouncer_and_rabbitmq(self, tmp_path):
        """`--profile scale` (docs/scaling.md): PgBouncer in transaction pooling mode and
        RabbitMQ, and the web and the two kinds of worker pointed at them."""
        result = compose_config(REQUIRED, tmp_path)
        assert result.returncode == 0, result.stderr
        services = yaml.safe_load(result.stdout)["services"]
        assert services["pgbouncer"]["environment"]["PGBOUNCER_POOL_MODE"] == "transaction"
        assert "RABBITMQ_DEFAULT_PASS" in services["rabbitmq"]["environment"]
        for name in ("web-scale", "worker-scale", "worker-deliveries"):
            environment = services[name]["environment"]
            assert environment["DATABASE_URL"].endswith("@pgbouncer:6432/toh"), name
            assert environment["DATABASE_POOLER"] == "pgbouncer", name
            assert environment["CELERY_BROKER_URL"] == (
                f"amqp://toh:{REQUIRED['RABBITMQ_PASSWORD']}@rabbitmq:5672//"
            ), name
            assert environment["CELERY_DELIVERIES_QUEUE"] == "deliveries", name
            assert environment["DJANGO_SETTINGS_MODULE"] == "backend.settings.production", name
        queues = {
            name: services[name]["command"][services[name]["command"].index("-Q") + 1]
            for name in ("worker-scale", "worker-deliveries")
        }
        assert queues == {"worker-scale": "celery", "worker-deliveries": "deliveries"}

    def test_the_scale_profile_is_not_started_by_default(self, raw):
        for name in ("pgbouncer", "rabbitmq", "web-scale", "worker-scale", "worker-deliveries"):
            assert raw["services"][name]["profiles"] == ["scale"], name
        for name in ("postgres", "redis", "migrate", "web", "worker", "beat"):
            assert "profiles" not in raw["services"][name], name

    @pytest.mark.parametrize("secret", SECRETS)
    def test_it_refuses_to_start_without_each_secret(self, secret, tmp_path):
        env = {k: v for k, v in REQUIRED.items() if k != secret}
        result = compose_config(env, tmp_path)
        assert result.returncode != 0
        assert f"set {secret}" in result.stderr


class TestComposeFile:
    def test_every_service_has_a_health_check(self, raw):
        for name, service in raw["services"].items():
            check = service.get("healthcheck")
            assert check, f"{name} has no health check"
            if check.get("disable"):  # only a one-shot job may go without
                assert service.get("restart") == "no", name
            else:
                assert check["test"], name

    def test_no_secret_has_a_default(self):
        text = COMPOSE.read_text()
        for secret in SECRETS:
            uses = re.findall(r"\$\{" + secret + r"([^}]*)\}", text)
            assert uses, secret
            assert all(use.startswith(":?") for use in uses), (secret, uses)
        assert "toh:toh@" not in text
        assert "POSTGRES_PASSWORD:-" not in text

    def test_gunicorn_is_published_for_a_proxy_only(self, raw):
        web = raw["services"]["web"]
        assert all(str(port).startswith("127.0.0.1:") for port in web["ports"])
        assert "--forwarded-allow-ips" in web["command"]
        scaled = raw["services"]["web-scale"]
        assert all(str(port).startswith("127.0.0.1:") for port in scaled["ports"])
        assert "--forwarded-allow-ips" in scaled["command"]
        for name, service in raw["services"].items():
            if name not in {"web", "web-scale"}:
                assert "ports" not in service, name

    def test_redis_has_a_password_and_an_append_only_volume(self, raw):
        redis = raw["services"]["redis"]
        assert "--requirepass" in redis["command"]
        assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
        assert any(volume.endswith(":/data") for volume in redis["volumes"])
        assert "redis-data" in raw["volumes"]

    def test_images_are_pinned_to_exact_releases(self, raw):
        for name, service in raw["services"].items():
            image = service.get("image", "")
            if "build" in service or not image:
                continue
            assert re.fullmatch(r"[a-z0-9/-]+:\d+\.\d+(\.\d+)?(-[a-z0-9]+)?", image), (name, image)
        [base] = re.findall(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), flags=re.M)
        assert re.fullmatch(r"python:3\.12\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base)


def _pattern_regex(pattern: str) -> re.Pattern:
    """Docker's rules (Go filepath.Match plus ``**``): ``*`` and ``?`` stay inside one path
    segment, ``**`` spans any number of them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if pattern.startswith("/", i):
                out, i = out[:-2] + "(?:.*/)?", i + 1
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Whether ``path`` (relative to the context) is left out: the last pattern matching the
    path or one of its parent folders decides; ``!`` patterns put a path back."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        cleaned = os.path.normpath(pattern.lstrip("!").strip()).lstrip("/")
        regex = _pattern_regex(cleaned)
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negate
    return excluded


@pytest.fixture(scope="module")
def patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


class TestDockerignore:
    @pytest.mark.parametrize(
        "path",
        [
            ".env",
            ".env.production",
            ".venv/bin/python",
            ".venv/lib/python3.12/site-packages/django/__init__.py",
            "var/db.sqlite3",
            "var/broker/queue/message.msg",
            "db.sqlite3",
            "backup/old.sqlite3",
            ".git/HEAD",
            ".git/objects/ab/cdef",
            "test-artifacts/logs/pytest-sqlite3-1.log",
            "apps/core/__pycache__/logging.cpython-312.pyc",
            "node_modules/x/index.js",
        ],
    )
    def test_secrets_state_and_history_stay_out_of_the_image(self, patterns, path):
        assert dockerignore_excludes(path, patterns), path

    @pytest.mark.parametrize(
        "path",
        [
            "manage.py",
            "pyproject.toml",
            "requirements/constraints.txt",
            "gunicorn.conf.py",
            "backend/settings/production.py",
            "apps/core/logging.py",
            "apps/audit/migrations/0001_initial.py",
            ".env.example",
        ],
    )
    def test_the_code_goes_in(self, patterns, path):
        assert not dockerignore_excludes(path, patterns), path

    def test_the_matcher_follows_dockers_rules(self):
        assert dockerignore_excludes("a/b/c.txt", ["a"])
        assert not dockerignore_excludes("x/a", ["a"])  # not anchored anywhere but the root
        assert dockerignore_excludes("x/y/z.pyc", ["**/*.pyc"])
        assert not dockerignore_excludes("keep.txt", ["*.txt", "!keep.txt"])


def test_gunicorn_access_log_has_no_query_string_or_referrer():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    settings_file: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings_file)  # noqa: S102 - our own file
    config = Config()
    config.set("access_log_format", settings_file["access_log_format"])
    environ = {
        "REMOTE_ADDR": "172.30.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/dashboard/patients/?search=Quennevillard",
        "PATH_INFO": "/api/v1/dashboard/patients/",
        "QUERY_STRING": "search=Quennevillard",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://toh.example.org/dashboard/?q=Quennevillard",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = Logger(config).atoms(response, request, environ, dt.timedelta(milliseconds=12))
    line = config.access_log_format % atoms
    assert '"GET /api/v1/dashboard/patients/ HTTP/1.1" 200 512' in line
    assert "Quennevillard" not in line
