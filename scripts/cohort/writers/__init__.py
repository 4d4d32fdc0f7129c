"""Writing a chunk of simulated patients: one writer per kind of record, run in order.

``RECORD_WRITERS`` is the list to extend for a new kind of record (questionnaire responses,
assessments, treatments...): add ``(name, writer)`` after the records it refers to. A writer
takes the chunk's courses and the ``WriteContext`` and returns how many rows it wrote (the
count lands in ``CohortResult.records[name]``). A kind the course does not hold yet draws its
values in its writer (or a pure module beside course.py) from its own streams, e.g.
``random.Random(f"{context.options.seed}:{course.index}:{name}")`` and, for row ids, the same
with ``context.options.id_salt``: never from the course's streams, so the records already
generated stay the same for a given seed (tests/cohort/test_course_digest.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from scripts.cohort.clinical import write_clinical_course
from scripts.cohort.model import PatientCourse
from scripts.cohort.outcomes import write_questionnaire_responses
from scripts.cohort.writers.accounts import write_patients
from scripts.cohort.writers.checkins import write_checkins
from scripts.cohort.writers.context import WriteContext
from scripts.cohort.writers.episodes import write_episodes
from scripts.cohort.writers.exercises import write_plans, write_sessions

RecordWriter = Callable[[Sequence[PatientCourse], WriteContext], int]

# In write order: each kind after the rows it refers to.
RECORD_WRITERS: list[tuple[str, RecordWriter]] = [
    ("patients", write_patients),  # users, patients, consent on file
    ("episodes", write_episodes),
    ("plans", write_plans),  # exercise plans and their items
    ("checkins", write_checkins),
    ("sessions", write_sessions),  # exercise sessions
    # PSFS, weekly pain, PGIC (scripts/cohort/outcomes.py)
    (
        "questionnaire_responses",
        lambda courses, context: write_questionnaire_responses(courses, zone=context.zone),
    ),
    # Assessments, treatments, imaging (scripts/cohort/clinical.py)
    (
        "clinical_course",
        lambda courses, context: write_clinical_course(
            courses, today=context.options.today, prescribers=context.prescribers
        ),
    ),
]


def write_chunk(courses: Sequence[PatientCourse], context: WriteContext) -> Counter[str]:
    """Write every kind of record of ``courses`` (call inside a transaction); the counts."""
    context = replace(context, now=dt.datetime.now(dt.UTC))
    return Counter({name: writer(courses, context) for name, writer in RECORD_WRITERS})


__all__ = ["RECORD_WRITERS", "RecordWriter", "WriteContext", "write_chunk"]
