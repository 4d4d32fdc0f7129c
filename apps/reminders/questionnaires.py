"""When a due questionnaire is reminded: on the date it becomes due and on its last day
(not every day of its window), through the same minute claim as check-ins (its own kind
``questionnaire``, so its own dedup and delivery row; quiet hours, budget and the stale skip
apply as to every reminder). What is due comes from apps.outcomes (a record app below)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from apps.accounts.models import Patient
from apps.outcomes.due import due_for_patients


def questionnaire_reminder_days(patients: Iterable[Patient]) -> dict[uuid.UUID, set[dt.date]]:
    """Patient id → the local dates a questionnaire reminder goes out (a fixed number of
    queries for the batch; none for no patients)."""
    patients = list({p.pk: p for p in patients}.values())
    if not patients:
        return {}
    return {
        patient_id: {day for due in dues for day in (due.due_on, due.expires_on)}
        for patient_id, dues in due_for_patients(patients).items()
    }
