from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "apps.consent"
    label = "consent"

    def ready(self) -> None:
        # Enrolment (apps.accounts) requires the current consent document's acceptance; it
        # fires this hook inside its transaction and never imports apps.consent.
        from apps.accounts.hooks import enrolment_activating
        from apps.consent.services import consent_at_enrolment

        enrolment_activating.register(consent_at_enrolment)
        # The consent gate's read rides on the device-token lookup (apps/consent/gate.py).
        from apps.accounts.authentication import register_token_annotation
        from apps.consent.gate import LATEST_WITHDRAWN_AT, latest_withdrawn_at_of_token_user

        register_token_annotation(LATEST_WITHDRAWN_AT, latest_withdrawn_at_of_token_user)
