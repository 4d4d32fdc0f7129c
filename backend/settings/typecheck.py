"""Settings the type checker loads (pyproject.toml, [tool.django-stubs]): the test settings
with every app that has models, the bench-only floors too, so that mypy knows them all. Never
used to run anything."""

from __future__ import annotations

from .test import *  # noqa: F403
from .test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "apps.devtools.benchfloor"]
