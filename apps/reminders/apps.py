from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    label = "reminders"

    def ready(self) -> None:
        # apps.accounts and apps.consent never import apps.reminders: they fire these hooks
        # inside the writer's transaction and the schedules are recomputed there
        # (docs/CONTRACTS.md, "Nothing calls up the stack").
        from apps.accounts.hooks import patient_time_zone_changed
        from apps.consent.hooks import consent_decided
        from apps.reminders.services import reminder_schedules_follow

        patient_time_zone_changed.register(reminder_schedules_follow)
        consent_decided.register(reminder_schedules_follow)
