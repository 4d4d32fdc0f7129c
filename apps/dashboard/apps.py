from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "apps.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        # GET patients/ and GET patients/{id}/ embed the dashboard's summary (API.md): apps.accounts
        # imports no higher app, it asks the reader registered here (apps.accounts.readers).
        from apps.accounts.readers import register_patient_summary_reader
        from apps.dashboard.api.serializers import SummarySerializer
        from apps.dashboard.selectors import patient_summaries, summary_for_patient

        register_patient_summary_reader(
            many=patient_summaries, one=summary_for_patient, serializer=SummarySerializer
        )
        # A treatment's effect reads the pain course; apps.treatments never imports its
        # sibling apps.checkins, so the composite at the top wires the read (docs/CONTRACTS.md).
        from apps.checkins.selectors import pain_by_date
        from apps.treatments.readers import register_pain_reader

        register_pain_reader(pain_by_date)
        # The maintained patient summaries are refreshed where the record-change outbox is
        # processed, in the transaction that marks the changes (apps.dashboard.summary_store).
        from apps.dashboard.summary_store import refresh_for_episodes
        from apps.episodes.record_changes import record_changes_applied

        record_changes_applied.register(refresh_for_episodes)
