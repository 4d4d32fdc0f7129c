"""Reads of patients that a higher app answers, registered by it (apps.accounts imports no
higher app; docs/CONTRACTS.md, "Nothing calls up the stack").

`GET patients/` and `GET patients/{id}/` return each patient with the dashboard's summary
(API.md, Dashboard). The summary is apps.dashboard's: it registers, in its AppConfig.ready(),
the two selectors that load patients with their summary columns and the serializer that draws
them; the patient views and `PatientSerializer` ask this registry. Without a registered reader
the patients come without a summary (a build without apps.dashboard).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apps.accounts.models import Patient, User
from apps.accounts.selectors import patients_for_clinician

if TYPE_CHECKING:
    from rest_framework.serializers import Serializer


@dataclass(frozen=True)
class PatientSummaryReader:
    """``many(user=, ordering=)``: the patients in ``user``'s care with their summary, in the
    named order, for a paginated list (one query a page whatever the cohort);
    ``one(patient)``: that patient with their summary; ``serializer``: the serializer class of
    the summary, drawn from the row itself (``source="*"``)."""

    many: Callable[..., Iterable[Patient]]
    one: Callable[[Patient], Patient]
    serializer: type[Serializer[Any]]


_summary_reader: list[PatientSummaryReader] = []


def register_patient_summary_reader(
    *,
    many: Callable[..., Iterable[Patient]],
    one: Callable[[Patient], Patient],
    serializer: type[Serializer[Any]],
) -> None:
    """One reader; registering again replaces it (``ready()`` may run more than once)."""
    _summary_reader[:] = [PatientSummaryReader(many=many, one=one, serializer=serializer)]


def patient_summary_reader() -> PatientSummaryReader | None:
    """The registered reader, or None."""
    return _summary_reader[0] if _summary_reader else None


def patients_with_summary(*, user: User) -> Iterable[Patient]:
    """The patients in ``user``'s care by name, with their summary when a reader is
    registered."""
    reader = patient_summary_reader()
    if reader is not None:
        return reader.many(user=user, ordering="name")
    return patients_for_clinician(user).order_by("user__last_name", "user__first_name", "id")


def patient_with_summary(patient: Patient) -> Patient:
    """``patient`` with their summary when a reader is registered (else as given)."""
    reader = patient_summary_reader()
    return patient if reader is None else reader.one(patient)
