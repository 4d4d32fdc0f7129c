"""The development-only tools (apps/devtools: the demo, the cohort commands, the benchmark
floors) are installed by the local, test and bench settings and never by production, and no
product app imports them or scripts/ (not even inside a function)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ROOT / "apps"

_INSTALLED = (
    "import json, os, importlib\n"
    "module = importlib.import_module(os.environ['DJANGO_SETTINGS_MODULE'])\n"
    "print(json.dumps(module.INSTALLED_APPS))\n"
)
_SET_UP = (
    "import json, django; django.setup()\n"
    "from django.apps import apps\n"
    "from django.core.management import get_commands\n"
    "print(json.dumps({'labels': [c.label for c in apps.get_app_configs()],"
    " 'commands': sorted(get_commands())}))\n"
)


def _run(script: str, **env: str) -> object:
    environment = {**os.environ, **env}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        if name not in env:
            environment.pop(name, None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "backend.settings.production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "toh.example.org",
}


def test_production_installs_no_development_tool():
    installed = _run(_INSTALLED, **PRODUCTION)
    loaded = _run(_SET_UP, **PRODUCTION)

    assert "apps.core" in installed
    assert [app for app in installed if "devtools" in app or "benchfloor" in app] == []
    assert {"devtools", "benchfloor"}.isdisjoint(loaded["labels"])
    assert {"load_demo", "generate_cohort"}.isdisjoint(loaded["commands"])
    assert "create_clinic" in loaded["commands"]  # a product command is still there


def test_local_settings_have_the_demo_and_cohort_commands_but_not_the_floors():
    loaded = _run(_SET_UP, DJANGO_SETTINGS_MODULE="backend.settings.local")

    assert "devtools" in loaded["labels"]
    assert "benchfloor" not in loaded["labels"]
    assert {"load_demo", "generate_cohort"} <= set(loaded["commands"])


def test_bench_settings_install_the_floors_under_their_own_label():
    installed = _run(
        _INSTALLED,
        DJANGO_SETTINGS_MODULE="backend.settings.bench",
        # Only read, never connected to: the settings module refuses anything but these.
        DATABASE_URL="postgres://bench@127.0.0.1:1/unused",
        REDIS_URL="redis://127.0.0.1:1/0",
    )

    assert {"apps.devtools", "apps.devtools.benchfloor"} <= set(installed)


def test_the_test_settings_have_the_development_tools():
    assert "apps.devtools" in settings.INSTALLED_APPS
    assert "apps.devtools.benchfloor" not in settings.INSTALLED_APPS


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, at any depth (functions included), and every string that
    names a dotted path under apps.devtools or scripts (settings-style references)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith(("apps.devtools", "scripts."))
        ):
            found.append((node.lineno, node.value))
    return found


def _product_files() -> list[Path]:
    return [path for path in APPS.rglob("*.py") if APPS / "devtools" not in path.parents]


@pytest.mark.parametrize("forbidden", ["apps.devtools", "scripts"])
def test_no_product_app_imports_the_development_tools(forbidden):
    files = _product_files()
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path in files
        for line, name in _imports(path)
        if name == forbidden or name.startswith(f"{forbidden}.")
    ]

    assert len(files) > 100  # the product's modules were all read
    assert offenders == []


def test_the_import_scan_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from scripts.cohort.generate import generate_cohort\n")

    assert _imports(module) == [(2, "scripts.cohort.generate")]
