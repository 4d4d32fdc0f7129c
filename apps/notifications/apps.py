from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        from apps.core.health import register_backlog_probe
        from apps.notifications.selectors import oldest_pending_due_notification

        register_backlog_probe("notifications", oldest_pending_due_notification)
