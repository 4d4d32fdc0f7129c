from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """The phone's composite writes (docs/CONTRACTS.md, "Layers"): no models of its own."""

    name = "apps.intake"
    label = "intake"
