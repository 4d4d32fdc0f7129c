from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "apps.treatments"
    label = "treatments"
