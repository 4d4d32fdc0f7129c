"""Flags (an episode meets a clinical rule) and evaluation records (CLINICAL_RULES.md)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When

from apps.flags.rules.base import SEVERITY_ORDER, Severity


def severity_rank_expression(field: str = "severity") -> Case:
    """`Severity.rank` in SQL for a severity column (0 = emergency): order by it ascending for
    the most pressing first. Built from the enum, the one severity order."""
    return Case(
        *[When(**{field: severity.value}, then=Value(severity.rank)) for severity in Severity],
        output_field=IntegerField(),
    )


class FlagSeverity(models.TextChoices):
    EMERGENCY = "emergency", "Emergency"
    URGENT = "urgent", "Urgent"
    SOON = "soon", "Soon"
    ROUTINE = "routine", "Routine"
    INFO = "info", "Info"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Resolution(models.TextChoices):
    NONE = "", "Not resolved"
    CLINICIAN = "clinician", "Resolved by the care team"
    # Late (offline) data showed that no evaluated date meets the rule any more; only an
    # open, unacknowledged flag is withdrawn (docs/flags.md).
    WITHDRAWN = "withdrawn", "Withdrawn after re-evaluation"


class ResolutionOutcome(models.TextChoices):
    """What the care team did about a flag they resolved (recorded with the resolution)."""

    NONE = "", "Not recorded"
    CONTACTED_PATIENT = "contacted_patient", "Contacted the patient"
    APPOINTMENT_BOOKED = "appointment_booked", "Appointment booked"
    ADVICE_GIVEN = "advice_given", "Advice given"
    REFERRED = "referred", "Referred (GP, emergency department or specialist)"
    NO_ACTION_NEEDED = "no_action_needed", "No action needed"
    OTHER = "other", "Other (see the note)"


LIVE_STATUSES = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
#: Resolving a flag of these severities needs a note saying what was done.
NOTE_REQUIRED_SEVERITIES = (FlagSeverity.EMERGENCY, FlagSeverity.URGENT)


class Flag(models.Model):
    """An episode meets a rule. At most one open or acknowledged flag per episode and rule:
    a partial unique constraint decides, so two evaluations at once cannot both open one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    episode = models.ForeignKey("episodes.Episode", on_delete=models.PROTECT, related_name="flags")
    patient = models.ForeignKey("accounts.Patient", on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(max_length=40, help_text="The rule's code (CLINICAL_RULES.md).")
    rule_version = models.PositiveSmallIntegerField()
    severity = models.CharField(max_length=10, choices=FlagSeverity.choices)
    status = models.CharField(max_length=12, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    opened_at = models.DateTimeField()
    opened_for_date = models.DateField(help_text="The earliest local date that met the rule.")
    last_seen_at = models.DateTimeField()
    last_held_on = models.DateField(help_text="The latest local date that met the rule.")
    held_dates = models.JSONField(default=list, help_text="Every local date that met the rule.")
    evidence = models.JSONField(default=dict)
    patient_message = models.TextField()
    clinician_summary = models.CharField(max_length=500)
    acknowledged_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(
        max_length=10, choices=Resolution.choices, blank=True, default=Resolution.NONE
    )
    outcome = models.CharField(
        max_length=24,
        choices=ResolutionOutcome.choices,
        blank=True,
        default=ResolutionOutcome.NONE,
        help_text="What the care team did, recorded when they resolved the flag.",
    )
    note = models.TextField(blank=True, default="")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Re-opening after a resolution needs a date after the flag's last held date on which the
    # rule was evaluated and did not hold; the earliest such date is kept here.
    cleared_on = models.DateField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Who hears about the flag is apps.notifications' business: a new flag is stored
    # unannounced (null) and that app claims it (a lease in announce_lease_until), tells whom
    # it must and sets announced_at (apps/notifications/flag_announcements.py).
    announced_at = models.DateTimeField(null=True, blank=True)
    announce_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "rule"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="flag_one_live_per_episode_rule",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "acknowledged", "resolved"]),
                name="flag_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=list(SEVERITY_ORDER)),
                name="flag_severity_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "rule", "status"], name="flag_episode_rule"),
            models.Index(fields=["patient", "status"], name="flag_patient_status"),
            models.Index(fields=["status", "severity", "opened_at"], name="flag_queue"),
            models.Index(
                fields=["opened_at"],
                condition=Q(announced_at__isnull=True),
                name="flag_unannounced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} ({self.status}) {self.id}"


class Evaluation(models.Model):
    """The latest outcome of evaluating every rule for one episode and local date.

    ``held``: rule → {reason, severity, version, evidence}; ``not_held`` and
    ``not_evaluated``: rule → reason. Re-evaluating a date replaces its record, so evaluating
    twice leaves what evaluating once leaves."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.CASCADE, related_name="flag_evaluations"
    )
    date = models.DateField()
    held = models.JSONField(default=dict)
    not_held = models.JSONField(default=dict)
    not_evaluated = models.JSONField(default=dict)
    nightly = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["episode_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "date"], name="evaluation_episode_date")
        ]

    def __str__(self) -> str:
        return f"Evaluation {self.episode_id} {self.date}"


class SweepState(models.Model):
    """Where the nightly sweep over active episodes has got to (resumable): one row per
    patient-independent sweep ``day`` (UTC)."""

    day = models.DateField(unique=True)
    # The highest episode id a finished chunk evaluated (progress, for the admin).
    last_episode_id = models.UUIDField(null=True, blank=True)
    # When the active episodes were cut into chunks (SweepChunk rows): once per day.
    planned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Sweep {self.day}"


class SweepChunk(models.Model):
    """One slice of a day's sweep (apps/flags/sweep.py): the active episodes with ids in
    (``after_id``, ``through_id``] (an open end is None), so the chunks of a day partition
    the id space and each episode belongs to exactly one. A worker claims a chunk with a lease
    (``claimed_by``, ``lease_until``); a chunk whose worker died is claimable again once the
    lease has run out, at most ``MAX_ATTEMPTS`` times in all."""

    sweep = models.ForeignKey(SweepState, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    after_id = models.UUIDField(null=True, blank=True)
    through_id = models.UUIDField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    evaluated = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sweep", "number"], name="flags_sweepchunk_unique")
        ]
        indexes = [
            models.Index(
                fields=["sweep", "number"],
                condition=Q(done_at__isnull=True),
                name="flags_sweepchunk_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Sweep {self.sweep_id} chunk {self.number}"
