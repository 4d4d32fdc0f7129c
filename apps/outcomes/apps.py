from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "apps.outcomes"
    label = "outcomes"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        # The shipped instruments are loaded after every `migrate` (idempotent: a file whose
        # version is stored already changes nothing), so `make run` has them.
        from django.db.models.signals import post_migrate

        from apps.outcomes.catalogue import connect_receivers
        from apps.outcomes.loader import load_shipped_instruments_after_migrate

        connect_receivers()
        post_migrate.connect(load_shipped_instruments_after_migrate, sender=self)
