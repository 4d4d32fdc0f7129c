"""Bench data written in bulk: patients with an episode and a device token, a physio's token."""

from __future__ import annotations

import datetime as dt
import uuid

from scripts.benchmarks.common import recorded_at_for, utc_today


def bulk_patients(
    count: int, *, label: str, onset_days_ago: int, activated: bool = False, tokens: bool = True
):
    """Patients with an active episode and no record, each with a device token (unless
    ``tokens`` is false: a token is one INSERT per patient)."""
    from django.contrib.auth.hashers import make_password
    from knox.models import AuthToken

    from apps.accounts.models import CareTeam, Clinic, Patient, Role, User
    from apps.episodes.models import Episode

    clinic, _ = Clinic.objects.get_or_create(name="Bench clinic")
    team, _ = CareTeam.objects.get_or_create(clinic=clinic, name=f"Bench {label}")
    today = utc_today()
    password = make_password(None)
    now = dt.datetime.now(dt.UTC)
    users = [
        User(
            email=f"{label}-{n}@bench.example.org",
            role=Role.PATIENT,
            password=password,
            first_name="Bench",
            last_name=str(n),
        )
        for n in range(count)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    patients = [
        Patient(
            user=user,
            care_team=team,
            date_of_birth=dt.date(1980, 1, 1),
            sex="male",
            timezone="UTC",
            activated_at=now if activated else None,
        )
        for user in users
    ]
    Patient.objects.bulk_create(patients, batch_size=1000)
    Episode.objects.bulk_create(
        [
            Episode(
                patient=patient,
                affected_side="left",
                symptom_onset_date=today - dt.timedelta(days=onset_days_ago),
                home_treatment_started_on=today - dt.timedelta(days=onset_days_ago - 7),
            )
            for patient in patients
        ],
        batch_size=1000,
    )
    if not tokens:
        return patients, []
    return patients, [AuthToken.objects.create(user)[1] for user in users]


def physio_token(team_name: str) -> str:
    from knox.models import AuthToken

    from apps.accounts.models import CareTeamMembership

    membership = CareTeamMembership.objects.select_related("user").get(care_team__name=team_name)
    key: str = AuthToken.objects.create(membership.user)[1]
    return key


def sync_plan_items(patients: list, per_plan: int = 3) -> dict:
    """An exercise plan in force for the last 60 days with ``per_plan`` items, for each
    patient's episode: {patient id: [plan item ids]} (sync/ sessions name them)."""
    from apps.episodes.models import Episode
    from apps.exercises.models import Category, Exercise, ExercisePlan, PlanItem

    exercises = []
    for n in range(per_plan):
        exercise, _ = Exercise.objects.get_or_create(
            slug=f"bench-exercise-{n}",
            defaults={
                "name": f"Bench exercise {n}",
                "category": Category.choices[0][0],
                "instructions": "Benchmark only.",
                "default_sets": 2,
                "default_reps": 10,
            },
        )
        exercises.append(exercise)
    starts_on = utc_today() - dt.timedelta(days=60)
    items: dict = {}
    for episode in Episode.objects.filter(patient__in=patients):
        plan = ExercisePlan.objects.create(episode=episode, starts_on=starts_on)
        created = PlanItem.objects.bulk_create(
            PlanItem(plan=plan, exercise=exercise, position=n, sets=2, reps=10, days_per_week=7)
            for n, exercise in enumerate(exercises)
        )
        items[episode.patient_id] = [str(item.pk) for item in created]
    return items


#: The questionnaire responses of the bench's sync/ body: the PSFS (an open instrument every
#: patient with an episode can answer), completed every 5 days back from today.
SYNC_RESPONSES = 6
RESPONSE_EVERY_DAYS = 5


def sync_body(count: int, plan_items: list[str], *, responses: int = SYNC_RESPONSES) -> dict:
    """One POST sync/ body of ``count`` items that are all accepted: a check-in for each of
    the 31 dates a patient may send (today and the 30 days before, API.md), ``responses``
    questionnaire responses completed on different dates of those, and exercise sessions for
    the rest, spread over those dates and the plan's items."""
    checkins = sync_items(min(count, 31))
    answered = sync_responses(min(responses, count - len(checkins)))
    today = utc_today()
    sessions = []
    for n in range(count - len(checkins) - len(answered)):
        day = (today - dt.timedelta(days=n % 31)).isoformat()
        sessions.append(
            {
                "client_id": str(uuid.uuid4()),
                "date": day,
                "plan_item": plan_items[n % len(plan_items)],
                "sets_done": 1 + n % 3,
                "pain_during": n % 5,
                "recorded_at": recorded_at_for(day),
            }
        )
    return {
        "checkins": checkins,
        "exercise_sessions": sessions,
        "questionnaire_responses": answered,
    }


def sync_responses(count: int) -> list[dict]:
    """``count`` PSFS responses (three activities rated 0-10), completed every
    RESPONSE_EVERY_DAYS days back from today (at most 30 days back, as the API allows)."""
    today = utc_today()
    responses = []
    for n in range(count):
        day = (today - dt.timedelta(days=(n * RESPONSE_EVERY_DAYS) % 31)).isoformat()
        ratings = [(4 + n + k) % 11 for k in range(3)]
        answers = []
        for k, activity in enumerate(("walking", "stairs", "standing to cook"), start=1):
            answers += [
                {"item": f"activity_{k}", "value": activity},
                {"item": f"rating_{k}", "value": ratings[k - 1]},
            ]
        responses.append(
            {
                "client_id": str(uuid.uuid4()),
                "instrument": "psfs",
                "instrument_version": "1",
                "language": "en",
                "completed_at": recorded_at_for(day),
                "answers": answers,
            }
        )
    return responses


def sync_items(count: int) -> list[dict]:
    """``count`` check-ins of consecutive dates ending today."""
    today = utc_today()
    items = []
    for n in range(count):
        day = (today - dt.timedelta(days=n)).isoformat()
        items.append(
            {
                "client_id": str(uuid.uuid4()),
                "date": day,
                "pain_now": 3 + n % 4,
                "pain_worst_24h": 5 + n % 4,
                "pain_weight_bearing": 6,
                "morning_stiffness_minutes": 15,
                "sleep_disturbed": n % 3 == 0,
                "daily_activities_affected": False,
                "weight_bearing": "full",
                "night_or_rest_pain": False,
                "walking_aid": "cane",
                "limping": False,
                "painful_sides": ["left"],
                "red_flags": [],
                "recorded_at": recorded_at_for(day),
            }
        )
    return items
