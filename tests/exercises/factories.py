from __future__ import annotations

import datetime as dt
import uuid

import factory

from apps.exercises.models import Category, Exercise, ExercisePlan, ExerciseSession, PlanItem
from tests.episodes.factories import EpisodeFactory


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise

    slug = factory.Sequence(lambda n: f"test-exercise-{n}")
    name = factory.Sequence(lambda n: f"Test exercise {n}")
    category = Category.STRENGTHENING
    instructions = "Move gently; stop if the pain sharply increases."
    default_sets = 2
    default_reps = 10


class ExercisePlanFactory(factory.django.DjangoModelFactory):
    """A stored plan as the service leaves it (``effective_ends_on`` = ``ends_on``). Use
    ``services.plan_create`` when the test is about supersession."""

    class Meta:
        model = ExercisePlan

    episode = factory.SubFactory(EpisodeFactory, symptom_onset_date=dt.date(2026, 9, 1))
    starts_on = dt.date(2026, 11, 2)
    ends_on = None
    effective_ends_on = factory.LazyAttribute(lambda plan: plan.ends_on)


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    plan = factory.SubFactory(ExercisePlanFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    sets = 2
    reps = 10
    days_per_week = 3


class ExerciseSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExerciseSession

    plan_item = factory.SubFactory(PlanItemFactory)
    episode = factory.LazyAttribute(lambda session: session.plan_item.plan.episode)
    patient = factory.LazyAttribute(lambda session: session.plan_item.plan.episode.patient)
    client_id = factory.LazyFunction(uuid.uuid4)
    date = dt.date(2026, 11, 16)
    sets_done = 2
    recorded_at = factory.LazyAttribute(
        lambda session: dt.datetime.combine(session.date, dt.time(18, 0), tzinfo=dt.UTC)
    )
