"""Patient summaries for the physiotherapist dashboard (API.md: Dashboard).

One selector, `patient_summaries`, feeds both `GET dashboard/patients/` and the web cohort
page, so both show the same numbers. Every column is a database expression (subqueries over
the last 14 local days only), so sorting by any column, filtering and pagination happen in SQL
and the number of queries does not depend on the size of the cohort: one query for the time
zones present (which also counts the cohort when nothing filters it), one for the page's rows
in order with their check-in columns, then four bulk reads for those rows only.

The dashboard reads other apps' tables here only to aggregate them; writes go through their
services.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Cast, Greatest
from django.utils import timezone

from apps.accounts.models import Patient, User
from apps.accounts.selectors import patients_for_clinician
from apps.checkins.models import CheckIn
from apps.core.access_recorder import record_patient_access
from apps.core.exceptions import ValidationFailed
from apps.core.timezones import local_today
from apps.dashboard.expressions import DaysBetween, date_by_timezone, distinct_names
from apps.episodes.selectors import current_episode_subquery, current_episodes_by_patient
from apps.exercises.adherence import (
    adherence_parts_expression,
    adherence_ratio_expression,
)
from apps.exercises.selectors import adherence_of_windows
from apps.flags.models import LIVE_STATUSES, Flag
from apps.flags.rules.base import SEVERITY_ORDER, Severity
from apps.flags.selectors import open_flag_counts_by_patient

#: Severities from most to least pressing (the `Severity` enum's order).
SEVERITIES: tuple[str, ...] = SEVERITY_ORDER
WINDOW_DAYS = 7
DEFAULT_ADHERENCE_BELOW = 0.8  # CLINICAL_RULES.md: 80% is the usual adherence cut-off
DEFAULT_SILENT_DAYS_MIN = 3  # as the `missed_checkins` rule: 3 local dates without a check-in

#: `?ordering=` values (optionally prefixed with "-"). "needs_action" is the default:
#: emergency, then urgent, then soon flags first, then the longest silence.
ORDERING_FIELDS: tuple[str, ...] = (
    "needs_action",
    "name",
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
#: The severities "needs_action" ranks by, most pressing first (emergency, urgent, soon).
NEEDS_ACTION: tuple[str, ...] = tuple(s.value for s in Severity if s.rank <= Severity.SOON.rank)


@dataclass(frozen=True)
class SummaryFilters:
    """Cohort filters; ``None`` means "not filtered on this"."""

    has_urgent_flags: bool | None = None
    adherence_below: float | None = None
    silent_days_min: int | None = None


def _timezone_counts(patients: QuerySet[Patient]) -> dict[str, int]:
    """Time-zone name → number of ``patients`` in it: the zones whose local dates the columns
    need, and the size of the cohort, in one query."""
    rows = patients.order_by().values_list("timezone").annotate(total=Count("pk"))
    return {name: total for name, total in rows}


def _current_episode(field: str) -> Subquery:
    """A field of the patient's current episode (apps.episodes' one definition)."""
    return current_episode_subquery(field)


class _PlainAggregate(Func):
    """An aggregate function Django does not know to be one, so a correlated subquery over it
    needs no ``GROUP BY``: a plain aggregate is cheaper for PostgreSQL to run once per patient
    (and over no rows it gives NULL, or 0 for a count, as the grouped form gave after
    `Coalesce`)."""

    contains_aggregate = False


def _mean_pain(*, since: str, until: str) -> Subquery:
    """Mean ``pain_now`` of the patient's check-ins (any episode) between two annotated dates."""
    mean = _PlainAggregate(
        Cast("pain_now", FloatField()), function="AVG", output_field=FloatField()
    )
    rows = CheckIn.objects.filter(
        patient_id=OuterRef("pk"), date__gte=OuterRef(since), date__lte=OuterRef(until)
    )
    return Subquery(rows.order_by().values(value=mean), output_field=FloatField())


def _adherence_parts() -> tuple[Subquery[FloatField], Subquery[FloatField]]:
    """Sessions counted and prescribed in the current episode over the patient's last 7 local
    dates: apps.exercises.adherence's SQL form of the one definition."""
    return adherence_parts_expression(
        episode_id=OuterRef("episode_id"),
        date_from=OuterRef("window_start"),
        date_to=OuterRef("local_today"),
    )


def _open_flag_count(severity: str) -> Subquery:
    count = _PlainAggregate(Value(1), function="COUNT", output_field=IntegerField())
    rows = Flag.objects.filter(
        patient_id=OuterRef("pk"), status__in=LIVE_STATUSES, severity=severity
    )
    return Subquery(rows.order_by().values(count=count), output_field=IntegerField())


def _dates_of(timezone_names: Iterable[str], now: dt.datetime | None) -> dict[str, dt.date]:
    """Each time zone's local today (zones without a name are left out)."""
    now = now or timezone.now()
    return {name: local_today(name, now=now) for name in distinct_names(timezone_names)}


def _with_dates(patients: QuerySet[Patient], dates: dict[str, dt.date]) -> QuerySet[Patient]:
    """Each patient's local today and the bounds of their two 7-day windows, as aliases."""
    shifted = {
        "window_start": WINDOW_DAYS - 1,  # the 7 local dates ending today
        "previous_end": WINDOW_DAYS,  # and the 7 before them
        "previous_start": 2 * WINDOW_DAYS - 1,
    }
    return patients.alias(
        local_today=date_by_timezone(dates),
        **{
            name: date_by_timezone({tz: day - dt.timedelta(days=back) for tz, day in dates.items()})
            for name, back in shifted.items()
        },
    )


def _latest_checkin(field: str, *ordering: str) -> Subquery:
    """A field of the patient's latest check-in up to local today (by index, so a year of data
    per patient stays unread)."""
    rows = CheckIn.objects.filter(patient_id=OuterRef("pk"), date__lte=OuterRef("local_today"))
    return Subquery(rows.order_by(*ordering).values(field)[:1])


def _base_column_factories() -> dict[str, Callable[[], Any]]:
    """The stored facts each summary column is derived from (one subquery each), built only
    when asked for: building the adherence subqueries costs more than running them."""
    adherence: list[tuple[Subquery[FloatField], Subquery[FloatField]]] = []

    def adherence_part(index: int) -> Subquery[FloatField]:
        if not adherence:
            adherence.append(_adherence_parts())
        return adherence[0][index]

    return {
        "episode_id": lambda: _current_episode("id"),
        "symptom_onset_date": lambda: _current_episode("symptom_onset_date"),
        "last_checkin_date": lambda: _latest_checkin("date", "-date"),
        "pain_now_latest": lambda: _latest_checkin("pain_now", "-date", "-recorded_at"),
        "pain_7d_mean": lambda: _mean_pain(since="window_start", until="local_today"),
        "pain_previous_7d_mean": lambda: _mean_pain(since="previous_start", until="previous_end"),
        "adherence_counted": lambda: adherence_part(0),
        "adherence_prescribed": lambda: adherence_part(1),
        **{
            f"open_flags_{severity}": functools.partial(_open_flag_count, severity)
            for severity in SEVERITIES
        },
    }


def _derived_columns() -> dict[str, Any]:
    return {
        "weeks_since_onset": Case(
            When(symptom_onset_date__isnull=True, then=Value(None)),
            default=Greatest(DaysBetween(F("symptom_onset_date"), F("local_today")), Value(0))
            / Value(7),
            output_field=IntegerField(),
        ),
        "days_since_last_checkin": DaysBetween(F("last_checkin_date"), F("local_today")),
        "pain_7d_change": F("pain_7d_mean") - F("pain_previous_7d_mean"),
        "adherence_7d": adherence_ratio_expression(
            F("adherence_counted"), F("adherence_prescribed")
        ),
    }


#: What each computed column is built from, in an order where dependencies come first.
_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "episode_id": (),
    "symptom_onset_date": (),
    "last_checkin_date": (),
    "pain_now_latest": (),
    "pain_7d_mean": (),
    "pain_previous_7d_mean": (),
    "adherence_counted": ("episode_id",),
    "adherence_prescribed": ("episode_id",),
    **{f"open_flags_{severity}": () for severity in SEVERITIES},
    "weeks_since_onset": ("symptom_onset_date",),
    "days_since_last_checkin": ("last_checkin_date",),
    "pain_7d_change": ("pain_7d_mean", "pain_previous_7d_mean"),
    "adherence_7d": ("adherence_counted", "adherence_prescribed"),
}


def _ranking(
    patients: QuerySet[Patient],
    dates: dict[str, dt.date],
    columns: set[str],
    *,
    selected: Collection[str] = (),
) -> QuerySet[Patient]:
    """``patients`` with ``columns`` (and what they are built from) as aliases, for a filter
    or an ordering to use: only those reach the SQL, so sorting by one column computes only
    that column for the whole cohort. Those in ``selected`` are annotations instead, read with
    each row (PostgreSQL computes a selected column that is not sorted on only for the rows
    kept by ``LIMIT``)."""
    needed = set()
    pending = [*columns, *selected]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(_DEPENDENCIES[name])
    base = _base_column_factories()
    derived = None
    patients = _with_dates(patients, dates)
    for name in _DEPENDENCIES:
        if name not in needed:
            continue
        if name in base:
            expression = base[name]()
        else:
            derived = derived or _derived_columns()
            expression = derived[name]
        if name in selected:
            patients = patients.annotate(**{name: expression})
        else:
            patients = patients.alias(**{name: expression})
    return patients


def _current_episodes(ids: list[Any]) -> dict[Any, dict[str, Any]]:
    """Patient id → their current episode (apps.episodes' one definition)."""
    return current_episodes_by_patient(ids, "resolved_on")


def _adherence(
    episodes: dict[Any, dict[str, Any]], windows: dict[Any, tuple[dt.date, dt.date]]
) -> dict[Any, float | None]:
    """Patient id → the adherence of their current episode over their own 7-day window; two
    queries (apps.exercises.adherence, the one definition, whose SQL form `_adherence_parts`
    uses, so a sort by it agrees with the values shown)."""
    found = adherence_of_windows(
        {episode["id"]: windows[patient_id] for patient_id, episode in episodes.items()}
    )
    ratios = {patient: found[episode["id"]].adherence for patient, episode in episodes.items()}
    return {patient: None if r is None else float(r) for patient, r in ratios.items()}


#: Columns read with the page's rows in the ranking query itself (cheap index lookups for the
#: page's patients only); the rest come from bulk reads of those patients.
_ROW_COLUMNS: tuple[str, ...] = (
    "last_checkin_date",
    "pain_now_latest",
    "pain_7d_mean",
    "pain_previous_7d_mean",
)


class _SummaryColumns(TypedDict):
    """The summary columns of a patient row: ``_ROW_COLUMNS`` read with it, the rest set by
    ``_summarise`` (and ``open_flags_<severity>``)."""

    last_checkin_date: dt.date | None
    pain_now_latest: int | None
    pain_7d_mean: float | None
    pain_previous_7d_mean: float | None
    episode_id: uuid.UUID | None
    episode_status: str | None
    weeks_since_onset: int | None
    days_since_last_checkin: int | None
    pain_7d_change: float | None
    adherence_7d: float | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A patient row of the cohort with its summary columns.
    PatientSummaryRow = WithAnnotations[Patient, _SummaryColumns]


def _summarise(patients: list[Patient], dates: dict[str, dt.date]) -> list[PatientSummaryRow]:
    """``rows`` (patients read with `_ROW_COLUMNS`) completed with the other summary columns,
    from four bulk reads whatever their number: the current episodes, the adherence of their
    7-day windows (two reads) and the open flags. Adherence is computed exactly as
    `_adherence_parts` computes it in SQL, so a sort by it agrees with the values shown."""
    if not patients:
        return []
    # Read with _ROW_COLUMNS annotated (a name the ORM cannot type); the rest are set below.
    rows = cast("list[PatientSummaryRow]", patients)
    ids = [row.pk for row in rows]
    # These rows are patient data handed to the caller (the cohort is read by id, not through
    # the recording access selectors): the access log must list them.
    record_patient_access(ids)
    todays = {row.pk: dates.get(row.timezone) for row in rows}
    episodes = _current_episodes(ids)
    windows = {
        pk: (today - dt.timedelta(days=WINDOW_DAYS - 1), today)
        for pk, today in todays.items()
        if today is not None
    }
    adherence = _adherence(
        {pk: episode for pk, episode in episodes.items() if pk in windows}, windows
    )
    flags = open_flag_counts_by_patient(ids)
    for row in rows:
        today = todays[row.pk]
        episode = episodes.get(row.pk)
        row.episode_id = episode["id"] if episode else None
        row.episode_status = episode["status"] if episode else None
        onset = episode["symptom_onset_date"] if episode else None
        row.weeks_since_onset = (
            None if onset is None or today is None else max((today - onset).days, 0) // 7
        )
        last = row.last_checkin_date
        row.days_since_last_checkin = None if last is None or today is None else (today - last).days
        row.pain_7d_change = (
            None
            if row.pain_7d_mean is None or row.pain_previous_7d_mean is None
            else row.pain_7d_mean - row.pain_previous_7d_mean
        )
        row.adherence_7d = adherence.get(row.pk)
        for severity in SEVERITIES:
            setattr(row, f"open_flags_{severity}", flags[row.pk][severity])
    return rows


class PatientSummaries(Sequence):
    """The cohort, sorted and filtered in SQL, summarised only for the rows asked for.

    Behaves like a queryset for paginators (``count()``, slicing): a slice costs one query for
    the page's rows in order and four bulk reads for their summaries, whatever the size of the
    cohort; ``count()`` is free when the cohort is not filtered (the time-zone query counted
    it), one query otherwise."""

    ordered = True

    def __init__(
        self,
        page: QuerySet[Patient],
        dates: dict[str, dt.date],
        *,
        count: int | None = None,
        ranking: Callable[[], QuerySet[Patient]] | None = None,
    ) -> None:
        self._page = page
        self._dates = dates
        self._count = count
        self._ranking = ranking

    # A queryset's count() (no argument), which paginators call; not Sequence.count(value).
    def count(self) -> int:  # type: ignore[override]
        if self._count is None:
            if self._ranking is None:  # built with neither a count nor a ranking
                raise ValueError("PatientSummaries needs a count or a ranking.")
            # Only the filtered columns, no rows: the count needs no join to the users.
            self._count = self._ranking().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _summarise(list(self._page[key]), self._dates)
        rows = self[key : key + 1]
        if not rows:
            raise IndexError(key)
        return rows[0]

    def __iter__(self):
        return iter(self[:])


def _order_by(ordering: str) -> list:
    descending = ordering.startswith("-")
    name = ordering.removeprefix("-")
    if name not in ORDERING_FIELDS:
        allowed = ", ".join(ORDERING_FIELDS)
        raise ValidationFailed(
            f"Sort by one of: {allowed} (prefix - to reverse).", field="ordering"
        )
    tie_break = ["user__last_name", "user__first_name", "id"]
    if name == "needs_action":
        # Flags that need a clinician soonest first, then the longest silence.
        keys: list[BaseExpression] = [
            F(f"open_flags_{severity}").desc() for severity in NEEDS_ACTION
        ]
        keys.append(F("days_since_last_checkin").desc(nulls_last=True))
        if descending:
            keys = [key.reverse_ordering() or key for key in keys]
        return [*keys, *tie_break]
    if name == "name":
        fields = ["user__last_name", "user__first_name"]
        return [F(field).desc() if descending else F(field).asc() for field in fields] + ["id"]
    if name == "open_flags":
        counts = [F(f"open_flags_{severity}") for severity in SEVERITIES]
        return [key.asc() if descending else key.desc() for key in counts] + tie_break
    key = F(name)
    # Patients without a value (no check-ins, no plan) go last whichever the direction.
    return [key.desc(nulls_last=True) if descending else key.asc(nulls_last=True), *tie_break]


def _columns_used(ordering: str, filters: SummaryFilters | None) -> set[str]:
    name = ordering.removeprefix("-")
    if name == "needs_action":
        columns = {
            *(f"open_flags_{severity}" for severity in NEEDS_ACTION),
            "days_since_last_checkin",
        }
    elif name == "open_flags":
        columns = {f"open_flags_{severity}" for severity in SEVERITIES}
    elif name == "name":
        columns = set()
    else:
        columns = {name}
    if filters is not None:
        if filters.has_urgent_flags is not None:
            columns |= {"open_flags_emergency", "open_flags_urgent"}
        if filters.adherence_below is not None:
            columns.add("adherence_7d")
        if filters.silent_days_min is not None:
            columns |= {"days_since_last_checkin", "last_checkin_date"}
    return columns


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
        # Never having checked in is the longest silence of all.
        patients = patients.filter(
            Q(days_since_last_checkin__gte=filters.silent_days_min)
            | Q(last_checkin_date__isnull=True)
        )
    return patients


def patient_summaries(
    *,
    user: User,
    ordering: str | None = None,
    filters: SummaryFilters | None = None,
    search: str | None = None,
    now: dt.datetime | None = None,
) -> PatientSummaries:
    """One row per patient in ``user``'s care, with the dashboard's summary columns.

    Each row is the patient with ``episode_id``, ``episode_status`` and ``weeks_since_onset``
    of the current episode (the active one, else the latest), ``last_checkin_date``,
    ``pain_now_latest``, ``pain_7d_mean`` (mean ``pain_now`` over the 7 local dates ending on
    the patient's local today), ``pain_7d_change`` (that mean minus the mean of the 7 dates
    before; None unless both windows have a check-in), ``adherence_7d`` (0–1; None without a
    plan in force), ``open_flags_<severity>`` (open or acknowledged flags by severity, as
    `apps.flags.selectors.open_flag_counts_by_patient` counts them) and
    ``days_since_last_checkin``.

    ``ordering`` is one of `ORDERING_FIELDS` with an optional "-"; patients with no value in
    the sorted column come last. Raises `ValidationFailed` for an unknown ordering.
    """
    ordering = ordering or DEFAULT_ORDERING
    order_by = _order_by(ordering)
    if filters == SummaryFilters():
        filters = None  # every filter off: the cohort is counted with the time zones
    # A semi-join rather than the access selector's DISTINCT, which would have to compare
    # every computed column.
    visible = patients_for_clinician(user).order_by().values("pk")
    patients = Patient.objects.filter(pk__in=visible)
    if search and search.strip():
        patients = _search(patients, search.strip())
    counts = _timezone_counts(patients)
    dates = _dates_of(counts, now)
    columns = _columns_used(ordering, filters)
    page = _ranking(patients, dates, columns, selected=_ROW_COLUMNS).select_related("user")
    if filters is None:
        return PatientSummaries(page.order_by(*order_by), dates, count=sum(counts.values()))
    # Filters are SQL over computed columns: a filtered cohort needs its own count.
    return PatientSummaries(
        _filter(page, filters).order_by(*order_by),
        dates,
        ranking=lambda: _filter(_ranking(patients, dates, columns), filters),
    )


def summary_for_patient(patient: Patient, *, now: dt.datetime | None = None) -> Patient:
    """The summary row of one patient the caller may already see (the patient page)."""
    dates = _dates_of([patient.timezone], now)
    rows = _ranking(Patient.objects.filter(pk=patient.pk), dates, set(), selected=_ROW_COLUMNS)
    return _summarise(list(rows.select_related("user")), dates)[0]
