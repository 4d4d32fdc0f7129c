"""Clinical records for the dashboard's tests, written straight to the tables (the dashboard
only reads them; the owning apps test their own write paths)."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from apps.checkins.models import CheckIn
from apps.episodes.models import Episode
from apps.exercises.models import Exercise, ExercisePlan, ExerciseSession, PlanItem
from apps.flags.models import Flag
from tests.accounts.factories import PatientFactory


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    patient = factory.SubFactory(PatientFactory)
    affected_side = "left"
    symptom_onset_date = dt.date(2026, 1, 5)
    status = "active"


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    episode = factory.SubFactory(EpisodeFactory)
    patient = factory.SelfAttribute("episode.patient")
    client_id = factory.LazyFunction(uuid.uuid4)
    date = dt.date(2026, 3, 1)
    pain_now = 4
    pain_worst_24h = 6
    morning_stiffness_minutes = 20
    sleep_disturbed = False
    daily_activities_affected = False
    weight_bearing = "full"
    night_or_rest_pain = False
    walking_aid = "none"
    limping = False
    painful_sides = factory.LazyFunction(lambda: ["left"])
    red_flags = factory.LazyFunction(list)
    steps = 3000
    recorded_at = factory.LazyFunction(timezone.now)


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"dashboard-exercise-{n}")
    name = factory.Sequence(lambda n: f"Dashboard exercise {n}")
    category = "strengthening"
    instructions = "Slowly, within comfort."
    default_sets = 3
    default_reps = 10


class ExercisePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExercisePlan

    episode = factory.SubFactory(EpisodeFactory)
    starts_on = dt.date(2026, 1, 12)


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    plan = factory.SubFactory(ExercisePlanFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    sets = 3
    reps = 10
    days_per_week = 7


class ExerciseSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExerciseSession

    plan_item = factory.SubFactory(PlanItemFactory)
    episode = factory.SelfAttribute("plan_item.plan.episode")
    patient = factory.SelfAttribute("episode.patient")
    client_id = factory.LazyFunction(uuid.uuid4)
    date = dt.date(2026, 3, 1)
    sets_done = 3
    recorded_at = factory.LazyFunction(timezone.now)


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    episode = factory.SubFactory(EpisodeFactory)
    patient = factory.SelfAttribute("episode.patient")
    rule = "pain_worsening"
    rule_version = 1
    severity = "soon"
    status = "open"
    opened_at = factory.LazyFunction(timezone.now)
    opened_for_date = dt.date(2026, 3, 1)
    last_seen_at = factory.LazyFunction(timezone.now)
    last_held_on = factory.SelfAttribute("opened_for_date")
    held_dates = factory.LazyAttribute(lambda flag: [flag.opened_for_date.isoformat()])
    evidence = factory.LazyFunction(
        lambda: {"mean_last_7": 6.1, "mean_previous_7": 3.7, "threshold_points": 2}
    )
    patient_message = "Your pain has gone up; contact your physiotherapist within 2-3 days."
    clinician_summary = "7-day mean worst pain 6.1, up from 3.7"
