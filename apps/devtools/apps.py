from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """`load_demo` and `generate_cohort`; never installed in production."""

    name = "apps.devtools"
    label = "devtools"
    verbose_name = "Development tools"
