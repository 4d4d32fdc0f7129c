from __future__ import annotations

from rest_framework import serializers


def _pain_7d_fields(mean_help: str) -> tuple[serializers.FloatField, serializers.FloatField]:
    """The 7-day mean and its change, as progress and trends both answer them (one
    definition, apps.progress; declared in this order where they are unpacked)."""
    return (
        serializers.FloatField(allow_null=True, help_text=mean_help),
        serializers.FloatField(
            allow_null=True, help_text="That mean minus the mean of the 7 dates before."
        ),
    )


class ExpectedCourseSerializer(serializers.Serializer):
    week = serializers.IntegerField(help_text="Whole weeks since symptom onset.")
    median_pain = serializers.FloatField(
        allow_null=True,
        help_text="Median weekly mean `pain_now` (0-10) of the clinic's resolved episodes in "
        "this week; null from published figures (they report times, not weekly pain).",
    )
    band = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="[p10, p90] of those weekly means; null from published figures.",
    )
    # DRF's metaclass takes declared fields off the class; the stubs see Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["clinic", "published"],
        help_text="`clinic`: the clinic's resolved episodes (enough of them, as the staff "
        "band); `published`: the Mayo Clinic series (Kotwal 2019) and reviews.",
    )
    n = serializers.IntegerField(
        help_text="Episodes behind the point: the clinic's resolved episodes with check-ins "
        "in this week, or the published series' size."
    )
    peak_week = serializers.IntegerField(
        help_text="The week by which pain has usually stopped building, from the same source."
    )
    stage = serializers.ChoiceField(
        choices=["building", "easing", "resolved"],
        help_text="Where the usual course is at this week.",
    )


class QuestionnaireDueSerializer(serializers.Serializer):
    """As `GET me/questionnaires/`."""

    instrument = serializers.CharField()
    due_on = serializers.DateField()
    expires_on = serializers.DateField()
    reason = serializers.ChoiceField(
        choices=["baseline", "scheduled", "resolution", "requested", "surveillance"]
    )


class LatestScoreSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    score = serializers.CharField(help_text="The score's code within the instrument.")
    value = serializers.FloatField(
        allow_null=True, help_text="Null when too few items were answered for the score."
    )
    date = serializers.DateField(help_text="The local date of the response.")
    change_from_baseline = serializers.FloatField(
        allow_null=True,
        help_text="Against the episode's first scored value of this score; null without one.",
    )
    meaningful = serializers.ChoiceField(
        choices=["better", "worse", "none"],
        allow_null=True,
        help_text="`better`/`worse` when the change from baseline reaches the MCID that way, "
        "else `none`; null without a baseline or an MCID.",
    )


class NextSerializer(serializers.Serializer):
    checkin_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the next daily check-in is due: today's check-in time in the "
        "patient's zone until today is checked in (also when past), then tomorrow's; null "
        "after resolution unless check-in reminders were asked to continue.",
    )
    questionnaires_due = QuestionnaireDueSerializer(many=True)


class ProgressSerializer(serializers.Serializer):
    """Where the patient is in their recovery (API.md, "Patient progress")."""

    weeks_since_onset = serializers.IntegerField(allow_null=True)
    phase = serializers.ChoiceField(choices=["building", "peak", "easing", "resolved", "unknown"])
    phase_reason = serializers.CharField(help_text="Why, in plain words (patient's language).")
    phase_code = serializers.CharField(
        help_text="The rule branch behind the phase, e.g. `too_few_checkins`, `rising`."
    )
    pain_7d_mean, pain_7d_change = _pain_7d_fields(
        "Mean `pain_now` over the 7 local dates ending today."
    )
    adherence_7d = serializers.FloatField(
        allow_null=True, help_text="Exercise adherence over the last 7 local dates (0-1)."
    )
    latest_scores = LatestScoreSerializer(many=True)
    expected_course = ExpectedCourseSerializer(allow_null=True)
    message = serializers.CharField(
        help_text="Plain words in the patient's language, never a diagnosis; the advice of an "
        "open emergency or urgent flag comes first."
    )
    next = NextSerializer()


class PainDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A local date with a check-in.")
    mean = serializers.FloatField(
        help_text="Mean `pain_now` (0-10) of the check-ins in the 7 local dates ending on it, "
        "as the care team's pain chart draws it."
    )


class PainWeekSerializer(serializers.Serializer):
    week = serializers.IntegerField(help_text="Whole weeks since symptom onset (0 = first).")
    mean = serializers.FloatField(help_text="Mean `pain_now` (0-10) of the week's check-ins.")
    days = serializers.IntegerField(help_text="Check-ins in the week.")
    change = serializers.FloatField(
        allow_null=True,
        help_text="This week's mean minus the week before's; null when that week has none.",
    )


class AdherenceWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="The Monday of the ISO week.")
    iso_week = serializers.CharField(help_text="e.g. `2026-W10`.")
    adherence = serializers.FloatField(
        allow_null=True,
        help_text="Sessions done / prescribed (0-1, capped per item); null without a plan in "
        "force that week.",
    )
    done = serializers.IntegerField(help_text="Sessions done in the week (within the range).")
    prescribed = serializers.FloatField(help_text="Sessions prescribed in the week.")


class ScorePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField(allow_null=True, help_text="Null: too few items answered.")


class ScoreSeriesSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    score = serializers.CharField(help_text="The score's code within the instrument.")
    better = serializers.ChoiceField(choices=["higher", "lower"])
    mcid = serializers.FloatField(
        allow_null=True, help_text="Minimal clinically important difference; null if none."
    )
    mdc = serializers.FloatField(
        allow_null=True, help_text="Minimal detectable change; null if none."
    )
    range = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, help_text="[min, max]."
    )
    baseline = serializers.FloatField(
        allow_null=True, help_text="The episode's first scored value; null without one."
    )
    points = ScorePointSerializer(many=True, help_text="Oldest first.")


class TrendsSerializer(serializers.Serializer):
    """My own trends over my current episode, with the care team's definitions."""

    episode = serializers.UUIDField(allow_null=True, help_text="The current episode; null: none.")
    date_from = serializers.DateField(allow_null=True, help_text="The symptom onset.")
    date_to = serializers.DateField(
        allow_null=True, help_text="The local today, or the resolution date."
    )
    pain_7d_mean, pain_7d_change = _pain_7d_fields(
        "As `GET me/progress/`: the 7 local dates ending today."
    )
    pain_7d = PainDaySerializer(many=True)
    pain_weeks = PainWeekSerializer(many=True)
    adherence_weeks = AdherenceWeekSerializer(many=True)
    scores = ScoreSeriesSerializer(many=True)
