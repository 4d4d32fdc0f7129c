"""Which patients the current request touched: a request-scoped record fed by the access
selectors and read by the access-log middleware.

The access selectors in ``apps.accounts.selectors`` are the one door to patient data, so they
record here; the middleware (``apps.audit.middleware``) writes the access log at the end of the
request. Nothing here touches the database, and outside a request (tasks, shell) recording is
a no-op. This module imports no models and lives in apps.core (the ground floor), so the
accounts app can import it without calling up the stack (it was ``apps.audit.recorder``).
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable


class Action:
    READ = "read"
    WRITE = "write"
    EXPORT = "export"
    ERASE = "erase"


@dataclass
class Recording:
    """What one request did to patient data, in first-touched order."""

    patient_ids: dict[uuid.UUID, None] = field(default_factory=dict)
    action: str | None = None
    detail: dict = field(default_factory=dict)

    def add(self, patient_id: uuid.UUID | str | None) -> None:
        if patient_id is None:
            return
        try:
            key = patient_id if isinstance(patient_id, uuid.UUID) else uuid.UUID(str(patient_id))
        except (ValueError, TypeError, AttributeError):
            return  # not an id at all (e.g. a malformed URL argument): nothing was touched
        self.patient_ids.setdefault(key, None)


_current: contextvars.ContextVar[Recording | None] = contextvars.ContextVar(
    "audit_recording", default=None
)


def start() -> contextvars.Token:
    """Begin recording for a request (the middleware calls this)."""
    return _current.set(Recording())


def finish(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> Recording | None:
    return _current.get()


def record_patient_access(patient_ids: Iterable[uuid.UUID | str | None]) -> None:
    """Note that the current request touched these patients' data."""
    recording = _current.get()
    if recording is None:
        return
    for patient_id in patient_ids:
        recording.add(patient_id)


def set_action(action: str, **detail) -> None:
    """Say what kind of access this request is when the HTTP method does not (export, erase).

    ``detail`` must never carry patient content: counts and codes only."""
    recording = _current.get()
    if recording is None:
        return
    recording.action = action
    recording.detail.update(detail)


class RecordingPatientQuerySet[M: Model](QuerySet[M]):
    """A Patient queryset that records every patient row it hands out.

    Counting, ``exists()`` and use as a subquery fetch no rows and record nothing; fetching
    (iteration, ``get()``, a page of a list) records the rows fetched. So a list page of 50
    patients records exactly those 50.
    """

    def _fetch_all(self) -> None:
        first_fetch = self._result_cache is None
        super()._fetch_all()
        if first_fetch and self._iterable_class is ModelIterable and self._result_cache:
            record_patient_access(row.pk for row in self._result_cache)

    def iterator(self, chunk_size: int | None = None) -> Iterator[M]:
        for row in super().iterator(chunk_size=chunk_size):
            if self._iterable_class is ModelIterable:
                record_patient_access([row.pk])
            yield row
