"""The dashboard's own state: when each member of staff last looked at the today view."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DashboardVisit(models.Model):
    """A staff user's visits to the today view, so it can list the flags opened since the
    previous visit (`apps.dashboard.visits.visit_today_view`). Staff data only: no patient."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="dashboard_visit",
    )
    #: The latest request to the today view.
    last_seen_at = models.DateTimeField()
    #: Where "new since your last visit" starts: the last request of the previous visit.
    new_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "dashboard visit"

    def __str__(self) -> str:
        return f"Dashboard visit {self.user_id}"


class MaintainedSummary(models.Model):
    """A patient's dashboard columns that come from their record (check-ins, plans,
    sessions, questionnaire scores), as computed for one patient-local date
    (apps.dashboard.summary_store).

    A cache, never the truth: the dashboard uses it only while it is *fresh* — computed for
    the patient's local today, in the patient's current time zone, with the instrument
    catalogue of now (``scores_stamp``), and with no record change of theirs still pending in
    the outbox — and otherwise computes the columns from the
    record (docs/dashboard.md, "Maintained summaries"). Refreshed when the outbox is processed
    (`apps.episodes.record_changes.record_changes_applied`), by the periodic refresh of
    summaries whose date has passed, and by ``manage.py rebuild_dashboard_summaries``."""

    patient = models.OneToOneField(
        "accounts.Patient",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="dashboard_summary",
    )
    #: The patient-local date and the time zone the columns were computed for.
    computed_for = models.DateField()
    timezone = models.CharField(max_length=64)
    computed_at = models.DateTimeField()
    last_checkin_date = models.DateField(null=True, blank=True)
    pain_now_latest = models.IntegerField(null=True, blank=True)
    pain_7d_mean = models.FloatField(null=True, blank=True)
    pain_previous_7d_mean = models.FloatField(null=True, blank=True)
    #: Adherence over the 7 local dates ending on ``computed_for``: the SQL parts the cohort
    #: is sorted and filtered by, and the value shown (apps.exercises.adherence, both forms).
    adherence_counted = models.FloatField(null=True, blank=True)
    adherence_prescribed = models.FloatField(null=True, blank=True)
    adherence_7d = models.FloatField(null=True, blank=True)
    #: The latest score of each questionnaire score in the current episode, as the row shows
    #: it (apps.dashboard.summary_scores.rendered_latest_score), and the digest of the
    #: instrument catalogue they were computed with (`summary_scores.catalogue_stamp`).
    latest_scores = models.JSONField(default=list, blank=True)
    scores_stamp = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "maintained patient summary"
        indexes = [models.Index(fields=["computed_for"], name="summary_computed_for")]

    def __str__(self) -> str:
        return f"Summary of {self.patient_id} for {self.computed_for}"
