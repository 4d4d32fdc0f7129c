"""Writes each simulated patient's exercise plans (with their items) and exercise sessions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from scripts.cohort.bulk import copy_or_bulk
from scripts.cohort.model import SESSION_FIELDS, PatientCourse
from scripts.cohort.writers.context import WriteContext


def write_plans(courses: Sequence[PatientCourse], context: WriteContext) -> int:
    """The plans of ``courses``, each superseded by the next one of its course, and their
    items (reps and hold from the library's defaults)."""
    from apps.exercises.models import ExercisePlan, PlanItem

    plans, items = [], []
    for course in courses:
        for position, plan in enumerate(course.plans):
            superseded_by = None
            if position + 1 < len(course.plans):
                superseded_by = course.plans[position + 1].id
            plans.append(
                ExercisePlan(
                    id=plan.id,
                    episode_id=course.episode_id,
                    starts_on=plan.starts_on,
                    ends_on=None,
                    effective_ends_on=plan.effective_ends_on,
                    superseded_by_id=superseded_by,
                    prescribed_by=context.prescriber(course),
                )
            )
            for position_in_plan, item in enumerate(plan.items):
                exercise = context.library[item.library_index]
                items.append(
                    PlanItem(
                        id=item.id,
                        plan_id=plan.id,
                        exercise=exercise,
                        position=position_in_plan,
                        sets=item.sets,
                        reps=exercise.default_reps,
                        hold_seconds=exercise.default_hold_seconds,
                        days_per_week=item.days_per_week,
                    )
                )
    # Superseding plans point at later plans: insert the later ones first.
    ExercisePlan.objects.bulk_create(
        sorted(plans, key=lambda p: p.superseded_by_id is not None), batch_size=1000
    )
    PlanItem.objects.bulk_create(items, batch_size=1000)
    return len(plans)


def write_sessions(courses: Sequence[PatientCourse], context: WriteContext) -> int:
    from apps.exercises.models import ExerciseSession

    def rows() -> Iterator[tuple]:
        for course in courses:
            for row in course.sessions:
                yield (course.patient_id, course.episode_id, *row)

    return copy_or_bulk(
        ExerciseSession,
        ["patient", "episode", *SESSION_FIELDS],
        rows(),
        {"received_at": context.now},
    )
