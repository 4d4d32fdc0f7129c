from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """The patient's rights over their record: FHIR and CSV export, erasure (a composite at
    the top of the stack; no models of its own: the access log is ``apps.audit``)."""

    name = "apps.privacy"
    label = "privacy"
