from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        from apps.accounts.hooks import patient_phone_changed
        from apps.core.health import register_backlog_probe
        from apps.flags.hooks import flags_opened
        from apps.notifications.selectors import oldest_pending_due_notification
        from apps.notifications.services import sms_follows_phone
        from apps.notifications.tasks import kick_flag_announcements

        register_backlog_probe("notifications", oldest_pending_due_notification)
        # Who hears about a new flag: apps.flags stores it unannounced and kicks this after
        # commit; the minute beat tick `notifications-announce-new-flags` is the safety net.
        flags_opened.register(kick_flag_announcements)
        # SMS goes to the patient's phone (apps.accounts): a new number lifts a refusal.
        patient_phone_changed.register(sms_follows_phone)
