from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "apps.flags"
    label = "flags"

    def ready(self) -> None:
        # apps.episodes never imports the flag engine: it calls this kick after the commit of
        # every write's record-change row (apps/episodes/record_changes.py).
        # GET episodes/{id}/ shows the open flags through a reader registered here too.
        from apps.episodes.readers import register_open_flags_reader
        from apps.episodes.record_changes import register_record_change_kick
        from apps.flags.selectors import open_flags_for_episode
        from apps.flags.tasks import kick_record_changes

        register_record_change_kick(kick_record_changes)
        register_open_flags_reader(open_flags_for_episode)
