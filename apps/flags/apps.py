from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "apps.flags"
    label = "flags"

    def ready(self) -> None:
        # apps.episodes never imports the flag engine: it calls this kick after the commit of
        # every write's record-change row (apps/episodes/record_changes.py).
        from apps.episodes.record_changes import register_record_change_kick
        from apps.flags.tasks import kick_record_changes

        register_record_change_kick(kick_record_changes)
