"""Write a simulated cohort to the database with bulk inserts, then run the flag engine over it.

Rows are written directly (``bulk_create``, and ``COPY`` for the daily record on PostgreSQL):
this is a data generator, and going through the per-item services would turn minutes into
hours. The flag engine's own sweep then evaluates the cohort, so it carries the flags its data
meets, exactly as the nightly run would have left them.

The parts, in the order a run takes them: clinic.py (care teams and their physios),
recent.py (recent events a small cohort must show), course.py and days.py (each patient's
course, pure Python, in chunks, in a second process for large cohorts), writers/ (one writer
per kind of record, ``RECORD_WRITERS``: the list a new kind of record joins), bulk.py (COPY),
flags.py (the flag engine's run) and progress.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from scripts.cohort.clinic import COHORT_EMAIL_SUFFIX, care_teams, email_domain
from scripts.cohort.course import simulate_chunk
from scripts.cohort.flags import evaluate_cohort_flags
from scripts.cohort.model import CohortOptions, PatientCourse
from scripts.cohort.progress import Progress
from scripts.cohort.recent import ENSURE_RECENT_EVENTS_UP_TO, choose_forced_events
from scripts.cohort.writers import WriteContext, write_chunk

__all__ = ["COHORT_EMAIL_SUFFIX", "CohortResult", "generate_cohort"]

CHUNK_PATIENTS = 200
PARALLEL_FROM_CHUNKS = 5


@dataclass
class CohortResult:
    clinic_id: uuid.UUID
    patients: int = 0
    seconds: float = 0.0
    flag_seconds: float = 0.0
    forced_events: dict[int, tuple[str, int]] = field(default_factory=dict)
    courses: list[PatientCourse] = field(default_factory=list)
    # Rows written per kind of record (the names of writers.RECORD_WRITERS).
    records: Counter[str] = field(default_factory=Counter)

    @property
    def checkins(self) -> int:
        return self.records["checkins"]

    @property
    def sessions(self) -> int:
        return self.records["sessions"]


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
    teams, prescribers = care_teams(
        clinic, name=care_team_name, count=team_count, password_hash=password_hash
    )
    context = WriteContext(
        options=options,
        care_teams=teams,
        team_of=lambda index: (index - first_index) * team_count // patients,
        prescribers=prescribers,
        library=library,
        email_domain=email_domain(clinic),
        password_hash=password_hash,
        zone=ZoneInfo(clinic.timezone),
        now=dt.datetime.now(dt.UTC),
    )

    result = CohortResult(clinic_id=clinic.id)
    if patients <= ENSURE_RECENT_EVENTS_UP_TO and not full_year:
        result.forced_events = choose_forced_events(options, indices, library_size=len(library))
    bar = Progress(patients, f"cohort {clinic_name}", enabled=progress)
    episode_ids = _write_all(indices, options, context, result, bar, keep_courses=keep_courses)
    # The rows went in bulk, past the record-change outbox: build the dashboard's maintained
    # summaries of the new patients as a backfill would (manage.py rebuild_dashboard_summaries).
    _build_summaries(episode_ids)
    if connection.vendor == "postgresql":
        _analyze()
    if run_flags:
        flag_started = time.monotonic()
        evaluate_cohort_flags(episode_ids, today=today, progress=progress)
        result.flag_seconds = time.monotonic() - flag_started
    result.seconds = time.monotonic() - started
    return result


def _write_all(
    indices: range,
    options: CohortOptions,
    context: WriteContext,
    result: CohortResult,
    bar: Progress,
    *,
    keep_courses: bool,
) -> list[Any]:
    """Simulate and write the patients ``indices``, a chunk per transaction, counting into
    ``result``; the new episodes' ids."""
    episode_ids: list[Any] = []
    chunks = [
        list(indices[start : start + CHUNK_PATIENTS])
        for start in range(0, len(indices), CHUNK_PATIENTS)
    ]
    library_size = len(context.library)
    for chunk in _simulated_chunks(chunks, options, library_size, result.forced_events):
        with transaction.atomic():
            result.records.update(write_chunk(chunk, context))
        result.patients += len(chunk)
        episode_ids.extend(course.episode_id for course in chunk)
        if keep_courses:
            result.courses.extend(chunk)
        bar.advance(len(chunk))
    return episode_ids


def _build_summaries(episode_ids: list[Any]) -> None:
    from apps.dashboard.summary_store import BATCH_SIZE, summaries_refresh
    from apps.episodes.models import Episode

    patient_ids = list(
        Episode.objects.filter(pk__in=episode_ids).values_list("patient_id", flat=True)
    )
    for start in range(0, len(patient_ids), BATCH_SIZE):
        summaries_refresh(patient_ids[start : start + BATCH_SIZE])


def _analyze() -> None:
    """Fresh planner statistics for every table, as autovacuum keeps them in a deployment
    (PostgreSQL): the cohort fills a dozen tables in bulk (check-ins, sessions, questionnaire
    responses, answers and scores, assessments, treatments, summaries…), and a table left
    without statistics is planned as if empty (a hash join over every score, for instance)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
