"""Write a simulated cohort to the database with bulk inserts, then run the flag engine over it.

Rows are written directly (``bulk_create``, and ``COPY`` for the daily record on PostgreSQL):
this is a data generator, and going through the per-item services would turn minutes into
hours. The flag engine's own sweep then evaluates the cohort, so it carries the flags its data
meets, exactly as the nightly run would have left them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, models, transaction

from scripts.cohort.course import simulate_chunk, simulate_patient
from scripts.cohort.model import (
    CHECKIN_FIELDS,
    EVENT_FRACTURE,
    EVENT_RETURN,
    EVENT_WORSENING,
    SESSION_FIELDS,
    CohortOptions,
    PatientCourse,
)

CHUNK_PATIENTS = 200
# Every generated user's e-mail ends with this (a reserved example domain: never delivered).
COHORT_EMAIL_SUFFIX = ".cohort.example.org"
# Below this size the generator makes sure every kind of event happened recently to someone
# (a 60-patient clinic otherwise often has no fracture-like event in any given fortnight).
ENSURE_RECENT_EVENTS_UP_TO = 1000
RECENT_DAYS = 14
PARALLEL_FROM_CHUNKS = 5


@dataclass
class CohortResult:
    clinic_id: Any
    patients: int = 0
    checkins: int = 0
    sessions: int = 0
    seconds: float = 0.0
    flag_seconds: float = 0.0
    forced_events: dict[int, tuple[str, int]] = field(default_factory=dict)
    courses: list[PatientCourse] = field(default_factory=list)


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, total: int, label: str, *, enabled: bool = True) -> None:
        self.total, self.label, self.enabled = max(total, 1), label, enabled
        self.done = 0
        self.started = time.monotonic()
        self._last_draw = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.2 or self.done >= self.total):
            self._last_draw = now
            filled = int(30 * self.done / self.total)
            elapsed = now - self.started
            sys.stderr.write(
                f"\r{self.label} [{'#' * filled}{' ' * (30 - filled)}] "
                f"{self.done}/{self.total} {elapsed:6.1f}s"
            )
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "clinic"


def _record_consents(patients: Sequence[Any]) -> None:
    """Each synthetic patient accepted the consent document in force when their account was
    activated (or when it was published, if later), as enrolment records it: a patient with a
    record and no consent on file would contradict the consent gate (docs/trust.md). Nothing
    is recorded while no document is published."""
    from apps.consent.models import ConsentAcceptance
    from apps.consent.selectors import current_document

    document = current_document()
    if document is None:
        return
    ConsentAcceptance.objects.bulk_create(
        [
            ConsentAcceptance(
                patient_id=patient.id,
                document=document,
                accepted_at=max(patient.activated_at, document.published_at),
                created_at=max(patient.activated_at, document.published_at),
            )
            for patient in patients
        ],
        batch_size=1000,
    )


def _local_noon(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone).astimezone(dt.UTC)


def choose_forced_events(
    options: CohortOptions, indices: Sequence[int], *, library_size: int
) -> dict[int, tuple[str, int]]:
    """Patients who get a recent event so that a small cohort shows every kind of flag.

    Only kinds that no patient has had in the last fortnight are placed, each on a patient
    whose course is at a stage where that event makes sense."""
    courses = [simulate_patient(i, options, library_size=library_size) for i in indices]
    today = options.today
    recent = today - dt.timedelta(days=RECENT_DAYS)
    forced: dict[int, tuple[str, int]] = {}

    def active_and_recording(course: PatientCourse) -> bool:
        return (
            course.status == "active"
            and bool(course.checkins)
            and course.checkins[-1][2] >= today - dt.timedelta(days=2)
        )

    def day_of_course(course: PatientCourse) -> int:
        return (today - course.symptom_onset_date).days

    wanted = {
        # (kind, days ago, is this course at a stage for it)
        EVENT_FRACTURE: (2, lambda c: day_of_course(c) >= 30),
        EVENT_WORSENING: (
            10,
            lambda c: c.peak_day + 40 <= day_of_course(c) < c.resolution_day - 30,
        ),
        EVENT_RETURN: (5, lambda c: c.resolution_day + 12 <= day_of_course(c)),
    }
    for kind, (days_ago, suits) in wanted.items():
        if any(
            recent <= c.events.get(kind, dt.date.min) <= today and active_and_recording(c)
            for c in courses
        ):
            continue
        candidates = [
            c
            for c in courses
            if c.index not in forced
            and active_and_recording(c)
            and suits(c)
            and not c.events
            and len(c.checkins) >= 30
        ]
        if kind == EVENT_RETURN and not candidates:
            # A resolved course whose patient still records: extend with the late return.
            candidates = [
                c
                for c in courses
                if c.index not in forced
                and not c.events
                and suits(c)
                and c.checkins
                and c.checkins[-1][2] >= today - dt.timedelta(days=40)
            ]
        if candidates:
            forced[candidates[len(candidates) // 2].index] = (kind, days_ago)
    return forced


def _skip_foreign_key_triggers() -> None:
    """Let this transaction's COPY skip the per-row foreign-key checks, when allowed.

    Every key the generator writes was created a moment before in the same transaction, and
    the checks (one lookup per row and key, queued to commit) cost more than the COPY itself.
    Needs a role allowed to set ``session_replication_role`` (a superuser, as in development
    and the benchmarks); elsewhere the checks simply run."""
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT cohort_replica")
        try:
            cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            cursor.execute("ROLLBACK TO SAVEPOINT cohort_replica")
        else:
            cursor.execute("RELEASE SAVEPOINT cohort_replica")


def _copy_or_bulk(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    constants: dict[str, Any],
) -> int:
    """Insert ``rows`` (values for ``columns``) plus ``constants`` into ``model``'s table.

    COPY on PostgreSQL (about three times faster than multi-row INSERT), bulk_create elsewhere.
    """
    json_fields = {
        f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)
    }
    names = [*columns, *constants]
    attnames = [model._meta.get_field(name).attname for name in names]
    tail = list(constants.values())
    count = 0
    if connection.vendor == "postgresql":
        _skip_foreign_key_triggers()
        table = model._meta.db_table
        column_sql = ", ".join(
            connection.ops.quote_name(model._meta.get_field(name).column) for name in names
        )
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    values = [
                        json.dumps(value) if attname in json_fields else value
                        for attname, value in zip(attnames, [*row, *tail], strict=True)
                    ]
                    copy.write_row(values)
                    count += 1
        return count
    objects = [model(**dict(zip(attnames, [*row, *tail], strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=500)
    return len(objects)


def _write_chunk(  # noqa: C901 - temporary, split later in branch ruff (issue 14)
    courses: list[PatientCourse],
    *,
    care_teams: list[Any],
    team_of: Callable[[int], int],
    library: list[Any],
    email_domain: str,
    password_hash: str,
    zone: ZoneInfo,
    prescribers: dict[Any, Any],
) -> tuple[int, int]:
    from apps.accounts.models import Patient, Role, User
    from apps.checkins.models import CheckIn
    from apps.episodes.models import Episode
    from apps.exercises.models import ExercisePlan, ExerciseSession, PlanItem

    now = dt.datetime.now(dt.UTC)
    users, patients, episodes, plans, items = [], [], [], [], []
    for course in courses:
        enrolled_at = _local_noon(course.enrolled_on, zone)
        team = care_teams[team_of(course.index)]
        users.append(
            User(
                id=course.user_id,
                email=(
                    f"{course.first_name}.{course.last_name}.{course.index}@{email_domain}"
                ).lower(),
                first_name=course.first_name,
                last_name=course.last_name,
                role=Role.PATIENT,
                password=password_hash,
                date_joined=enrolled_at,
            )
        )
        patients.append(
            Patient(
                id=course.patient_id,
                user_id=course.user_id,
                care_team=team,
                date_of_birth=course.date_of_birth,
                sex=course.sex,
                timezone=str(zone),
                enrolled_at=enrolled_at,
                enrolled_by=prescribers.get(team.id),
                activated_at=enrolled_at + dt.timedelta(hours=2),
            )
        )
        episodes.append(
            Episode(
                id=course.episode_id,
                patient_id=course.patient_id,
                affected_side=course.affected_side,
                symptom_onset_date=course.symptom_onset_date,
                diagnosis_date=course.diagnosis_date,
                diagnosis_method=course.diagnosis_method,
                pregnancy_associated=course.pregnancy_associated,
                home_treatment_started_on=course.home_treatment_started_on,
                status=course.status,
                resolved_on=course.resolved_on,
                created_by=prescribers.get(team.id),
            )
        )
        for plan in course.plans:
            superseded_by = None
            position = course.plans.index(plan)
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
                    prescribed_by=prescribers.get(team.id),
                )
            )
            for position_in_plan, item in enumerate(plan.items):
                exercise = library[item.library_index]
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
    User.objects.bulk_create(users, batch_size=1000)
    Patient.objects.bulk_create(patients, batch_size=1000)
    _record_consents(patients)
    Episode.objects.bulk_create(episodes, batch_size=1000)
    # created_at is set on insert (auto_now_add): backdate it to the enrolment, as the
    # snapshot reads it as the day the record started. bulk_update writes values as given.
    for course, episode in zip(courses, episodes, strict=True):
        episode.created_at = _local_noon(course.enrolled_on, zone)
    Episode.objects.bulk_update(episodes, ["created_at"], batch_size=1000)
    # Superseding plans point at later plans: insert the later ones first.
    ExercisePlan.objects.bulk_create(
        sorted(plans, key=lambda p: p.superseded_by_id is not None), batch_size=1000
    )
    PlanItem.objects.bulk_create(items, batch_size=1000)

    def checkin_rows():
        for course in courses:
            for row in course.checkins:
                yield (course.patient_id, course.episode_id, *row)

    def session_rows():
        for course in courses:
            for row in course.sessions:
                yield (course.patient_id, course.episode_id, *row)

    checkin_count = _copy_or_bulk(
        CheckIn,
        ["patient", "episode", *CHECKIN_FIELDS],
        checkin_rows(),
        {"notes": "", "received_at": now, "updated_at": now},
    )
    session_count = _copy_or_bulk(
        ExerciseSession,
        ["patient", "episode", *SESSION_FIELDS],
        session_rows(),
        {"received_at": now},
    )
    return checkin_count, session_count


def _care_teams(
    clinic: Any, *, name: str | None, count: int, password_hash: str
) -> tuple[list, dict]:
    """The care teams patients go to, each with a physiotherapist, and who prescribes in each."""
    from apps.accounts.models import CareTeam, CareTeamMembership, Role, User

    names = [name] if name else [f"Hip team {n + 1}" for n in range(count)]
    teams, prescribers = [], {}
    domain = f"{_slug(clinic.name)}{COHORT_EMAIL_SUFFIX}"
    for position, team_name in enumerate(names):
        team, _ = CareTeam.objects.get_or_create(clinic=clinic, name=team_name)
        member = (
            User.objects.filter(care_team_memberships__care_team=team, role=Role.PHYSIOTHERAPIST)
            .order_by("email")
            .first()
        )
        if member is None:
            member, _ = User.objects.get_or_create(
                email=f"physio{position + 1}.{_slug(team_name)}@{domain}",
                defaults={
                    "first_name": "Physio",
                    "last_name": team_name,
                    "role": Role.PHYSIOTHERAPIST,
                    "clinic": clinic,
                    "password": password_hash,
                },
            )
            CareTeamMembership.objects.get_or_create(care_team=team, user=member)
        teams.append(team)
        prescribers[team.id] = member
    return teams, prescribers


def _simulated_chunks(
    chunks: list[list[int]],
    options: CohortOptions,
    library_size: int,
    forced_events: dict[int, tuple[str, int]],
) -> Iterable[list[PatientCourse]]:
    """Simulated chunks in order. Large cohorts simulate in a second process while this one
    writes (the simulation is pure Python; spawn, so no database connection is inherited)."""
    if len(chunks) < PARALLEL_FROM_CHUNKS or (os.cpu_count() or 1) < 2:
        for chunk in chunks:
            yield simulate_chunk(chunk, options, library_size, forced_events)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes=min(2, os.cpu_count() or 1)) as pool:
        yield from pool.imap(
            functools.partial(
                simulate_chunk,
                options=options,
                library_size=library_size,
                forced_events=forced_events,
            ),
            chunks,
        )


def generate_cohort(
    *,
    patients: int,
    seed: int,
    clinic_name: str = "Cohort Clinic",
    clinic_timezone: str = "Europe/London",
    care_team_name: str | None = None,
    team_size: int = 50,
    months: int = 18,
    full_year: bool = False,
    today: dt.date | None = None,
    password: str | None = None,
    run_flags: bool = True,
    progress: bool = True,
    keep_courses: bool = False,
) -> CohortResult:
    """Generate ``patients`` patients into ``clinic_name`` (created if missing).

    Patients are numbered after those the clinic already has, so running again adds new
    patients instead of colliding; the same seed and numbering always give the same data.
    ``care_team_name`` puts everyone in that team; otherwise teams of ``team_size``."""
    from apps.accounts.models import Clinic, Patient
    from apps.core.timezones import local_today
    from apps.exercises.models import Exercise

    started = time.monotonic()
    clinic, _ = Clinic.objects.get_or_create(
        name=clinic_name, defaults={"timezone": clinic_timezone}
    )
    zone = ZoneInfo(clinic.timezone)
    today = today or local_today(clinic.timezone)
    options = CohortOptions(
        seed=seed,
        today=today,
        months=months,
        full_year=full_year,
        timezone=clinic.timezone,
        id_salt=str(clinic.id),
    )
    library = list(Exercise.objects.filter(is_active=True).order_by("slug"))
    if not library:
        raise RuntimeError("The exercise library is empty: run the migrations first.")
    password_hash = make_password(password) if password else make_password(None)
    first_index = Patient.objects.filter(care_team__clinic=clinic).count()
    indices = range(first_index, first_index + patients)
    team_count = 1 if care_team_name else max(1, -(-patients // team_size))
    care_teams, prescribers = _care_teams(
        clinic, name=care_team_name, count=team_count, password_hash=password_hash
    )

    result = CohortResult(clinic_id=clinic.id)
    if patients <= ENSURE_RECENT_EVENTS_UP_TO and not full_year:
        result.forced_events = choose_forced_events(options, indices, library_size=len(library))
    bar = Progress(patients, f"cohort {clinic_name}", enabled=progress)
    email_domain = f"{_slug(clinic.name)}{COHORT_EMAIL_SUFFIX}"
    episode_ids: list[Any] = []
    chunks = [
        list(indices[start : start + CHUNK_PATIENTS])
        for start in range(0, patients, CHUNK_PATIENTS)
    ]
    for chunk in _simulated_chunks(chunks, options, len(library), result.forced_events):
        with transaction.atomic():
            checkins, sessions = _write_chunk(
                chunk,
                care_teams=care_teams,
                team_of=lambda index: (index - first_index) * team_count // patients,
                library=library,
                email_domain=email_domain,
                password_hash=password_hash,
                zone=zone,
                prescribers=prescribers,
            )
        result.patients += len(chunk)
        result.checkins += checkins
        result.sessions += sessions
        episode_ids.extend(course.episode_id for course in chunk)
        if keep_courses:
            result.courses.extend(chunk)
        bar.advance(len(chunk))
    if connection.vendor == "postgresql":
        from apps.checkins.models import CheckIn
        from apps.episodes.models import Episode
        from apps.exercises.models import ExerciseSession

        with connection.cursor() as cursor:
            for model in (CheckIn, ExerciseSession, Episode):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    if run_flags:
        flag_started = time.monotonic()
        evaluate_cohort_flags(episode_ids, today=today, progress=progress)
        result.flag_seconds = time.monotonic() - flag_started
    result.seconds = time.monotonic() - started
    return result


def evaluate_cohort_flags(episode_ids: Sequence[Any], *, today: dt.date, progress: bool) -> None:
    """Run the flag engine over the new active episodes, so the cohort carries the flags its
    data meets: small cohorts over their last fortnight (the flags a clinic would see open
    now, as the per-check-in evaluations would have left them), large ones for today only,
    in the nightly sweep's batches."""
    from apps.episodes.models import Episode
    from apps.flags import services
    from apps.flags.rules import thresholds_in_force

    active = list(
        Episode.objects.filter(pk__in=list(episode_ids), status="active")
        .order_by("id")
        .values_list("id", flat=True)
    )
    thresholds = thresholds_in_force()
    bar = Progress(len(active), "flag engine", enabled=progress)
    if len(active) <= ENSURE_RECENT_EVENTS_UP_TO:
        dates = [today - dt.timedelta(days=n) for n in range(RECENT_DAYS - 1, -1, -1)]
        for episode_id in active:
            services.episode_evaluate(episode_id=episode_id, dates=dates, thresholds=thresholds)
            bar.advance()
        return
    for start in range(0, len(active), CHUNK_PATIENTS):
        batch = active[start : start + CHUNK_PATIENTS]
        services.episodes_evaluate_today(episode_ids=batch, thresholds=thresholds)
        bar.advance(len(batch))
