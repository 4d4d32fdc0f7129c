from django.apps import AppConfig


class BenchFloorConfig(AppConfig):
    """Framework floors for scripts/bench.py; installed only by backend.settings.bench."""

    name = "apps.devtools.benchfloor"
    label = "benchfloor"
