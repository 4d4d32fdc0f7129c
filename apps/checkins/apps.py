from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CheckinsConfig(AppConfig):
    name = "apps.checkins"
    label = "checkins"

    def ready(self) -> None:
        # episode_update refuses an onset date after the episode's first check-in; it reads
        # that date through this reader (apps.episodes never imports apps.checkins).
        from apps.checkins.selectors import first_checkin_date_of_episode
        from apps.episodes.readers import register_earliest_record_reader

        register_earliest_record_reader(gettext_lazy("a check-in"), first_checkin_date_of_episode)
