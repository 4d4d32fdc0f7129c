from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "apps.episodes"
    label = "episodes"

    def ready(self) -> None:
        from apps.core.health import register_backlog_probe
        from apps.episodes.selectors import oldest_pending_record_change

        # GET health/: the record-change outbox's oldest unprocessed row (docs/operations.md);
        # past HEALTH_BACKLOG_CRITICAL_SECONDS["record_changes"] health answers 503.
        register_backlog_probe("record_changes", oldest_pending_record_change)
        # The active episode rides on the device-token lookup (apps.episodes.selectors).
        from apps.accounts.authentication import register_token_annotation
        from apps.episodes.selectors import ACTIVE_EPISODE, active_episode_of_token_user

        register_token_annotation(ACTIVE_EPISODE, active_episode_of_token_user)
