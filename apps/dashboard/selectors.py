"""Patient summaries for the physiotherapist dashboard (API.md: Dashboard).

One selector, `patient_summaries`, feeds both `GET dashboard/patients/` and the web cohort
page, so both show the same numbers. Every column is a database expression (subqueries over
the last 14 local days only), so sorting by any column, filtering and pagination happen in SQL
and the number of queries does not depend on the size of the cohort: one query for the time
zones present (which also counts the cohort when nothing filters it), one for the page's rows
in order with their check-in columns, current episode and open flags, then (for rows without
a fresh maintained summary) two adherence reads for those rows only.

The dashboard reads other apps' tables here only to aggregate them; writes go through their
services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from apps.accounts.models import Patient, User
from apps.accounts.selectors import patients_for_clinician
from apps.core.exceptions import ValidationFailed
from apps.dashboard.summary_columns import (
    NEEDS_ACTION,
    SEVERITIES,
    WINDOW_DAYS,
    _dates_of,
    _ranking,
    _timezone_counts,
    cohort_ranking,
)
from apps.dashboard.summary_rows import (
    _MAINTAINED_ROW_COLUMNS,
    _ROW_COLUMNS,
    PatientSummaries,
    _summarise,
)
from apps.episodes.models import Episode, EpisodeStatus

if TYPE_CHECKING:
    from apps.dashboard.summary_rows import PatientSummary

__all__ = [
    "DEFAULT_ADHERENCE_BELOW",
    "DEFAULT_ORDERING",
    "DEFAULT_SILENT_DAYS_MIN",
    "EPISODE_STATUSES",
    "ORDERING_FIELDS",
    "SEVERITIES",
    "WINDOW_DAYS",
    "PatientSummaries",
    "SummaryFilters",
    "patient_summaries",
    "summary_for_patient",
]

DEFAULT_ADHERENCE_BELOW = 0.8  # CLINICAL_RULES.md: 80% is the usual adherence cut-off
DEFAULT_SILENT_DAYS_MIN = 3  # as the `missed_checkins` rule: 3 local dates without a check-in
#: `?status=`: patients whose current episode is active, resolved, or every patient.
EPISODE_STATUSES: tuple[str, ...] = ("active", "resolved", "all")

#: `?ordering=` values (optionally prefixed with "-"). "needs_action" is the default:
#: active episodes first, then emergency, urgent and soon flags, then the longest silence.
ORDERING_FIELDS: tuple[str, ...] = (
    "needs_action",
    "name",
    "status",
    "affected_side",
    "weeks_since_onset",
    "last_checkin_date",
    "pain_now_latest",
    "pain_7d_mean",
    "pain_7d_change",
    "adherence_7d",
    "open_flags",
    "days_since_last_checkin",
)
DEFAULT_ORDERING = "needs_action"


#: The patient's and user's fields a summary row shows (API.md: Dashboard; the web cohort and
#: today pages): the page query sorts the whole cohort with its selected columns, so the rest
#: (password hash, contact details) stay unread.
_ROW_FIELDS: tuple[str, ...] = (
    "timezone",
    "date_of_birth",
    "user__first_name",
    "user__last_name",
)


@dataclass(frozen=True)
class SummaryFilters:
    """Cohort filters; ``None`` means "not filtered on this". ``silent_days_min`` never
    selects a resolved episode: it is never silent."""

    has_urgent_flags: bool | None = None
    adherence_below: float | None = None
    silent_days_min: int | None = None


#: The columns each ordering sorts by (besides the active-first key and the name tie-break).
_ORDERING_COLUMNS: dict[str, tuple[str, ...]] = {
    "needs_action": ("open_flags_emergency", "open_flags_urgent", "open_flags_soon", "silent_days"),
    "open_flags": tuple(f"open_flags_{severity}" for severity in SEVERITIES),
    "name": (),
    "status": (),
    "affected_side": ("side_rank",),
}


def _order_by(ordering: str) -> list[OrderBy | str]:
    """The ORDER BY of ``ordering``. Active episodes come before resolved ones in every
    ordering but the name's (``status``: active first; ``-status``: resolved first)."""
    descending = ordering.startswith("-")
    name = ordering.removeprefix("-")
    if name not in ORDERING_FIELDS:
        allowed = ", ".join(ORDERING_FIELDS)
        raise ValidationFailed(
            f"Sort by one of: {allowed} (prefix - to reverse).", field="ordering"
        )
    tie_break = ["user__last_name", "user__first_name", "id"]
    if name == "name":
        fields = ["user__last_name", "user__first_name"]
        return [F(field).desc() if descending else F(field).asc() for field in fields] + ["id"]
    if name == "status":
        return [F("is_resolved").desc() if descending else F("is_resolved").asc(), *tie_break]
    active_first = F("is_resolved").asc()
    if name == "needs_action":
        # Flags that need a clinician soonest first, then the longest silence.
        keys = [F(f"open_flags_{severity}").desc() for severity in NEEDS_ACTION]
        keys.append(F("silent_days").desc(nulls_last=True))
        if descending:
            for order in keys:
                order.reverse_ordering()  # in place (it returns the same OrderBy)
        return [active_first, *keys, *tie_break]
    if name == "open_flags":
        counts = [F(f"open_flags_{severity}") for severity in SEVERITIES]
        return [active_first, *(c.asc() if descending else c.desc() for c in counts)] + [*tie_break]
    key = F("side_rank" if name == "affected_side" else name)
    # Patients without a value (no check-ins, no plan) go last whichever the direction.
    ordered = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    return [active_first, ordered, *tie_break]


def _columns_used(ordering: str, filters: SummaryFilters | None) -> set[str]:
    name = ordering.removeprefix("-")
    columns = set(_ORDERING_COLUMNS.get(name, (name,)))
    if name != "name":
        columns.add("is_resolved")
    if filters is not None:
        if filters.has_urgent_flags is not None:
            columns |= {"open_flags_emergency", "open_flags_urgent"}
        if filters.adherence_below is not None:
            columns.add("adherence_7d")
        if filters.silent_days_min is not None:
            columns |= {"silent_days", "last_checkin_date", "is_resolved"}
    return columns


def _with_status(patients: QuerySet[Patient], status: str | None) -> QuerySet[Patient]:
    """Patients whose current episode is active (or who have no episode yet: just enrolled)
    or resolved (they have episodes, none active); ``"all"`` or None: every patient."""
    if status in (None, "all"):
        return patients
    if status not in EPISODE_STATUSES:
        allowed = ", ".join(EPISODE_STATUSES)
        raise ValidationFailed(f"Status is one of: {allowed}.", field="status")
    episodes = Episode.objects.filter(patient_id=OuterRef("pk"))
    active = Exists(episodes.filter(status=EpisodeStatus.ACTIVE))
    resolved = Q(Exists(episodes)) & ~Q(active)
    return patients.filter(~resolved if status == "active" else resolved)


def _search(patients: QuerySet[Patient], search: str) -> QuerySet[Patient]:
    for word in search.split()[:5]:
        patients = patients.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        )
    return patients


def _filter(patients: QuerySet[Patient], filters: SummaryFilters) -> QuerySet[Patient]:
    if filters.has_urgent_flags is not None:
        urgent = Q(open_flags_emergency__gt=0) | Q(open_flags_urgent__gt=0)
        patients = patients.filter(urgent if filters.has_urgent_flags else ~urgent)
    if filters.adherence_below is not None:
        patients = patients.filter(Q(adherence_7d__lt=filters.adherence_below))
    if filters.silent_days_min is not None:
        # Never having checked in is the longest silence of all; only active episodes are
        # silent.
        patients = patients.filter(Q(is_resolved=0)).filter(
            Q(silent_days__gte=filters.silent_days_min) | Q(last_checkin_date__isnull=True)
        )
    return patients


def patient_summaries(
    *,
    user: User,
    ordering: str | None = None,
    filters: SummaryFilters | None = None,
    search: str | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
    maintained: bool = True,
    row_fields_only: bool = False,
) -> PatientSummaries:
    """One row per patient in ``user``'s care, with the dashboard's summary columns.

    Each row is the patient with ``episode_id``, ``episode_status``, ``affected_side`` and
    ``weeks_since_onset`` (frozen at ``resolved_on`` for a resolved episode) of the current
    episode (the active one, else the latest), ``last_checkin_date``,
    ``pain_now_latest``, ``pain_7d_mean`` (mean ``pain_now`` over the 7 local dates ending on
    the patient's local today), ``pain_7d_change`` (that mean minus the mean of the 7 dates
    before; None unless both windows have a check-in), ``adherence_7d`` (0–1; None without a
    plan in force), ``open_flags_<severity>`` (open or acknowledged flags by severity, as
    `apps.flags.selectors.open_flag_counts_by_patient` counts them) and
    ``days_since_last_checkin``.

    ``ordering`` is one of `ORDERING_FIELDS` with an optional "-"; patients with no value in
    the sorted column come last, and active episodes come before resolved ones in every
    ordering but the name's. ``status`` (`EPISODE_STATUSES`; None: all) keeps patients by
    their current episode's status. Raises `ValidationFailed` for an unknown ordering or
    status.

    With ``maintained`` (the default), the columns a maintained summary stores come from it
    for every patient whose summary is fresh and are computed for the others
    (apps.dashboard.summary_store): the same values either way, which
    tests/dashboard/test_maintained_summaries.py holds after random sequences of writes.

    With ``row_fields_only`` (the dashboard's own pages), the rows carry only the patient's
    and user's fields a summary row shows (`_ROW_FIELDS`; any other field is a query of its
    own): the whole cohort is sorted with the selected columns.
    """
    ordering = ordering or DEFAULT_ORDERING
    order_by = _order_by(ordering)
    if filters == SummaryFilters():
        filters = None  # every filter off: the cohort is counted with the time zones
    # A semi-join rather than the access selector's DISTINCT, which would have to compare
    # every computed column.
    visible = patients_for_clinician(user).order_by().values("pk")

    def narrowed(patients: QuerySet[Patient]) -> QuerySet[Patient]:
        patients = patients.filter(pk__in=visible)
        if search and search.strip():
            patients = _search(patients, search.strip())
        return _with_status(patients, status)

    counts = _timezone_counts(narrowed(Patient.objects.all()))
    dates = _dates_of(counts, now)
    columns = _columns_used(ordering, filters)
    selected = _MAINTAINED_ROW_COLUMNS if maintained else _ROW_COLUMNS
    # The ranking of every patient, built once per process for these dates and columns,
    # narrowed to the caller's patients (cohort_ranking).
    page = narrowed(cohort_ranking(dates, columns, selected=selected, maintained=maintained))
    page = page.select_related("user")
    if row_fields_only:
        page = page.only(*_ROW_FIELDS)
    if filters is None:
        return PatientSummaries(page.order_by(*order_by), dates, count=sum(counts.values()))
    # Filters are SQL over computed columns: a filtered cohort needs its own count.
    return PatientSummaries(
        _filter(page, filters).order_by(*order_by),
        dates,
        ranking=lambda: _filter(
            narrowed(cohort_ranking(dates, columns, maintained=maintained)), filters
        ),
    )


def summary_for_patient(patient: Patient, *, now: dt.datetime | None = None) -> PatientSummary:
    """The summary row of one patient the caller may already see (the patient page)."""
    dates = _dates_of([patient.timezone], now)
    rows = _ranking(Patient.objects.filter(pk=patient.pk), dates, set(), selected=_ROW_COLUMNS)
    return _summarise(list(rows.select_related("user")), dates)[0]
