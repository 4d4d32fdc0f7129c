from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.checkins.api.serializers import CheckInSerializer
from apps.core.bounds import DateRangeQuerySerializer
from apps.dashboard.api.course_serializers import (
    TimelineAssessmentSerializer,
    TimelineImagingSerializer,
    TimelineTreatmentSerializer,
)
from apps.dashboard.selectors import EPISODE_STATUSES, ORDERING_FIELDS, SEVERITIES, SummaryFilters
from apps.episodes.models import Side

ORDERING_CHOICES = [*ORDERING_FIELDS, *(f"-{name}" for name in ORDERING_FIELDS)]


class SummaryQuerySerializer(serializers.Serializer):
    """Query parameters of `GET dashboard/patients/`."""

    ordering = serializers.ChoiceField(
        choices=ORDERING_CHOICES,
        required=False,
        help_text=(
            "Sort column; prefix '-' for descending. Default 'needs_action': active episodes "
            "first, then patients with emergency, urgent and soon flags, then the longest "
            "silence (active episodes only: a resolved episode is never silent). Active "
            "episodes come before resolved ones in every ordering but 'name' ('status': "
            "active first, '-status': resolved first; 'affected_side': bilateral first "
            "descending). Patients without a value in the column come last."
        ),
    )
    has_urgent_flags = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "true: only patients with an open emergency or urgent flag; false: only those without."
        ),
    )
    adherence_below = serializers.FloatField(
        required=False,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Only patients whose 7-day adherence is below this fraction (e.g. 0.8).",
    )
    silent_days_min = serializers.IntegerField(
        required=False,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        help_text="Only patients with at least this many days since their last check-in (or none).",
    )
    search = serializers.CharField(
        required=False, max_length=100, help_text="Words of the patient's first or last name."
    )
    status = serializers.ChoiceField(
        choices=EPISODE_STATUSES,
        required=False,
        default="all",
        help_text=(
            "Patients by the status of their current episode: 'active', 'resolved' (episodes, "
            "none active) or 'all' (default, every patient in your care)."
        ),
    )

    def filters(self) -> SummaryFilters:
        data = self.validated_data
        return SummaryFilters(
            has_urgent_flags=data.get("has_urgent_flags"),
            adherence_below=data.get("adherence_below"),
            silent_days_min=data.get("silent_days_min"),
        )


class OpenFlagsSerializer(serializers.Serializer):
    """Open or acknowledged (not yet resolved) flags of the patient, by severity."""

    emergency = serializers.IntegerField()
    urgent = serializers.IntegerField()
    soon = serializers.IntegerField()
    routine = serializers.IntegerField()
    info = serializers.IntegerField()
    total = serializers.IntegerField()


class DashboardLatestScoreSerializer(serializers.Serializer):
    """The latest score of one questionnaire score in the current episode
    (`apps.outcomes.selectors.latest_scores_by_episode`), as rendered for the row
    (`apps.dashboard.summary_scores.rendered_latest_score`: a dict of these fields)."""

    instrument = serializers.CharField(help_text="Instrument code, e.g. 'psfs'.")
    score = serializers.CharField(help_text="Score code of the instrument, e.g. 'psfs_mean'.")
    value = serializers.FloatField(
        allow_null=True, help_text="The score; null when the response could not be scored."
    )
    date = serializers.DateField(help_text="The patient's local date of the response.")
    change_from_baseline = serializers.FloatField(
        allow_null=True,
        help_text="This value minus the episode's first scored value; null without one.",
    )
    meaningful = serializers.ChoiceField(
        choices=["better", "worse", "none"],
        allow_null=True,
        help_text=(
            "'better' or 'worse' when the change from baseline reaches the MCID that way, "
            "'none' when it does not; null without a baseline or an MCID."
        ),
    )


def _rounded(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def _string(value) -> str | None:
    return None if value is None else str(value)


def _integer(value) -> int | None:
    return None if value is None else int(value)


class PatientSummarySerializer(serializers.Serializer):
    """One row of the dashboard. Dates are the patient's local dates; "7 days" are the 7 local
    dates ending on the patient's local today."""

    id: serializers.UUIDField | None = serializers.UUIDField(read_only=True)
    first_name: serializers.CharField | None = serializers.CharField(
        source="user.first_name", read_only=True
    )
    last_name: serializers.CharField | None = serializers.CharField(
        source="user.last_name", read_only=True
    )
    episode = serializers.UUIDField(
        source="episode_id",
        allow_null=True,
        read_only=True,
        help_text="The current episode (the active one, else the latest).",
    )
    date_of_birth = serializers.DateField(
        read_only=True, help_text="Tells two patients of the same name apart."
    )
    episode_status = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="Status of the current episode: 'active' or 'resolved'; null without one.",
    )
    affected_side = serializers.ChoiceField(
        choices=Side.choices,
        allow_null=True,
        read_only=True,
        help_text="The hip of the current episode: left, right or both (bilateral).",
    )
    weeks_since_onset = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="Whole weeks from symptom onset to today, frozen at resolved_on once resolved.",
    )
    last_checkin_date = serializers.DateField(allow_null=True, read_only=True)
    pain_now_latest = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="pain_now of the latest check-in (0-10)."
    )
    pain_7d_mean = serializers.SerializerMethodField(
        help_text="Mean pain_now over the last 7 days (one decimal); null without check-ins."
    )
    pain_7d_change = serializers.SerializerMethodField(
        help_text=(
            "pain_7d_mean minus the mean of the 7 days before (one decimal); null unless "
            "both windows have a check-in. Positive means worse."
        )
    )
    adherence_7d = serializers.SerializerMethodField(
        help_text=(
            "Exercise sessions done / prescribed over the last 7 days, 0-1 (two decimals); "
            "null when no plan was in force."
        )
    )
    open_flags = serializers.SerializerMethodField()
    days_since_last_checkin = serializers.IntegerField(allow_null=True, read_only=True)
    latest_scores = DashboardLatestScoreSerializer(
        many=True,
        read_only=True,
        help_text=(
            "The latest score of each questionnaire score in the current episode, by "
            "instrument and score code; empty without one."
        ),
    )

    def get_pain_7d_mean(self, patient) -> float | None:
        return _rounded(patient.pain_7d_mean, 1)

    def get_pain_7d_change(self, patient) -> float | None:
        return _rounded(patient.pain_7d_change, 1)

    def get_adherence_7d(self, patient) -> float | None:
        return _rounded(patient.adherence_7d, 2)

    @extend_schema_field(OpenFlagsSerializer)
    def get_open_flags(self, patient) -> dict[str, int]:
        counts = {severity: getattr(patient, f"open_flags_{severity}") for severity in SEVERITIES}
        return {**counts, "total": sum(counts.values())}

    def to_representation(self, patient) -> dict[str, Any]:
        """The declared fields' output, built directly: DRF's per-field machinery cost more
        than the page's queries. A test holds this equal to DRF's generic rendering."""
        user = patient.user
        last_checkin = patient.last_checkin_date
        row = {
            "id": _string(patient.pk),
            "first_name": str(user.first_name),
            "last_name": str(user.last_name),
            "episode": _string(patient.episode_id),
            "date_of_birth": patient.date_of_birth.isoformat(),
            "episode_status": _string(patient.episode_status),
            "affected_side": _string(patient.affected_side),
            "weeks_since_onset": _integer(patient.weeks_since_onset),
            "last_checkin_date": None if last_checkin is None else last_checkin.isoformat(),
            "pain_now_latest": _integer(patient.pain_now_latest),
            "pain_7d_mean": self.get_pain_7d_mean(patient),
            "pain_7d_change": self.get_pain_7d_change(patient),
            "adherence_7d": self.get_adherence_7d(patient),
            "open_flags": self.get_open_flags(patient),
            "days_since_last_checkin": _integer(patient.days_since_last_checkin),
        }
        if "latest_scores" in self.fields:
            # Rendered already (apps.dashboard.row_scores), from the maintained summary or read.
            row["latest_scores"] = patient.latest_scores
        return {name: row[name] for name in self.fields.keys()}  # noqa: SIM118 - the stubs iterate Fields


class SummarySerializer(PatientSummarySerializer):
    """The dashboard's summary columns without the patient's identity: nested as ``summary``
    in `GET patients/` and `GET patients/{id}/`, from the same selector, so the values equal
    those of `GET dashboard/patients/`."""

    id = None
    first_name = None
    last_name = None
    # DRF drops an inherited declared field set to None; the stubs type it as the field.
    date_of_birth = None  # type: ignore[assignment]
    latest_scores = None  # type: ignore[assignment]


# --- GET patients/{id}/timeline/ (the course read model, apps.dashboard.course_by_date) -----


class TimelineQuerySerializer(DateRangeQuerySerializer):
    """`?from=&to=` of the timeline (validated_data: `date_from`, `date_to`)."""


class TimelineSessionSerializer(serializers.Serializer):
    # Serializes an ExerciseSession of the course read model.
    id = serializers.UUIDField()
    plan_item = serializers.UUIDField(source="plan_item_id")
    exercise = serializers.CharField(
        source="plan_item.exercise.name", help_text="The exercise's name."
    )
    sets_done = serializers.IntegerField()
    pain_during = serializers.IntegerField(allow_null=True)


class TimelinePrescribedSerializer(serializers.Serializer):
    # Serializes a PlanItem in force, of the course read model.
    plan_item = serializers.UUIDField(source="id")
    exercise = serializers.CharField(source="exercise.name", help_text="The exercise's name.")
    sets = serializers.IntegerField()
    reps = serializers.IntegerField(allow_null=True)
    hold_seconds = serializers.IntegerField(allow_null=True)
    days_per_week = serializers.IntegerField()


class TimelineFlagSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    rule = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    # Serializes a CourseDay of apps.dashboard.course_by_date.
    date = serializers.DateField()
    checkin = CheckInSerializer(allow_null=True)
    sessions_done = TimelineSessionSerializer(many=True)
    sessions_prescribed = TimelinePrescribedSerializer(
        many=True, help_text="The plan items in force on this date."
    )
    flags_opened = TimelineFlagSerializer(many=True)
    assessments = TimelineAssessmentSerializer(many=True, help_text="Measured on this date.")
    treatments_in_force = TimelineTreatmentSerializer(many=True)
    imaging = TimelineImagingSerializer(many=True, help_text="Imaging studies of this date.")


class TimelineSerializer(serializers.Serializer):
    """The range `from`..`to` (named as the query parameters, hence get_fields) and one
    entry per local date in it."""

    def get_fields(self):
        return {
            "patient": serializers.UUIDField(),
            "from": serializers.DateField(source="date_from", help_text="First local date."),
            "to": serializers.DateField(source="date_to", help_text="Last local date."),
            "entries": TimelineEntrySerializer(
                many=True, help_text="One per local date, oldest first."
            ),
        }
