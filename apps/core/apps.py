from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        # Imported now so that the health check's start-up grace counts from process start.
        from apps.core import health  # noqa: F401
