"""The summary columns of the dashboard as SQL expressions (one subquery each), so the cohort
can be sorted and filtered by any column in the database.

Reads: accounts.Patient (time zones), episodes.Episode (the current episode), checkins.CheckIn
(latest check-in, 7-day pain means), exercises.PlanItem and exercises.ExerciseSession
(adherence), flags.Flag (open flags by severity). Aggregates only; writes go through the
owning apps' services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from functools import lru_cache, partial
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Field,
    FilteredRelation,
    FloatField,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.db.models.lookups import IsNull
from django.utils import timezone

from apps.accounts.models import Patient
from apps.checkins.models import CheckIn
from apps.core.expressions import PlainAggregate
from apps.core.timezones import local_today
from apps.dashboard.expressions import DaysBetween, date_by_timezone, distinct_names
from apps.dashboard.models import MaintainedSummary
from apps.dashboard.summary_scores import catalogue_stamp
from apps.episodes.models import EpisodeStatus
from apps.episodes.selectors import (
    current_episode_subquery,
    current_episode_values_subquery,
    pending_record_changes,
)
from apps.exercises.adherence import adherence_parts_expression, adherence_ratio_expression
from apps.flags.rules.base import SEVERITY_ORDER, Severity
from apps.flags.selectors import open_flag_count_subquery

#: Severities from most to least pressing (the `Severity` enum's order).
SEVERITIES: tuple[str, ...] = SEVERITY_ORDER
#: The severities "needs_action" ranks by, most pressing first (emergency, urgent, soon).
NEEDS_ACTION: tuple[str, ...] = tuple(s.value for s in Severity if s.rank <= Severity.SOON.rank)
WINDOW_DAYS = 7


def _timezone_counts(patients: QuerySet[Patient]) -> dict[str, int]:
    """Time-zone name → number of ``patients`` in it: the zones whose local dates the columns
    need, and the size of the cohort, in one query."""
    rows = patients.order_by().values_list("timezone").annotate(total=Count("pk"))
    return {name: total for name, total in rows}


def _current_episode(field: str) -> Subquery:
    """A field of the patient's current episode (apps.episodes' one definition)."""
    return current_episode_subquery(field)


def _mean_pain(*, since: str, until: str) -> Subquery:
    """Mean ``pain_now`` of the patient's check-ins (any episode) between two annotated dates."""
    mean = PlainAggregate(Cast("pain_now", FloatField()), function="AVG", output_field=FloatField())
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


#: The columns a maintained summary (apps.dashboard.models.MaintainedSummary) stores, with
#: their SQL types.
STORED_COLUMNS: dict[str, Callable[[], Field]] = {
    "last_checkin_date": DateField,
    "pain_now_latest": IntegerField,
    "pain_7d_mean": FloatField,
    "pain_previous_7d_mean": FloatField,
    "adherence_counted": FloatField,
    "adherence_prescribed": FloatField,
}


def _fresh_summary() -> FilteredRelation:
    """The patient's maintained summary, joined only when it may stand in for the computed
    columns (fresh): computed for the patient's local today, in their current time zone, with
    the instrument catalogue of now (`summary_scores.catalogue_stamp`, one scalar subquery
    per statement), and no record change of theirs still pending in the outbox (the refresh
    marks the changes it has seen processed in its own transaction). The condition is
    evaluated once per patient, in the join; without a fresh summary the joined columns are
    NULL."""
    pending = Exists(pending_record_changes(patient=OuterRef("pk")))
    return FilteredRelation(
        "dashboard_summary",
        condition=Q(
            Q(dashboard_summary__computed_for=F("local_today")),
            Q(dashboard_summary__timezone=F("timezone")),
            Q(dashboard_summary__scores_stamp=catalogue_stamp()),
            ~pending,
        ),
    )


def _is_fresh() -> IsNull:
    # ``computed_for`` is never NULL in a stored summary: NULL means "not joined".
    return IsNull(F("fresh_summary__computed_for"), False)


def _stored_or_computed(name: str, computed: Any) -> Case:
    """The fresh summary's ``name``, else the computed column: the database evaluates the
    computing subquery only for the rows without a fresh summary."""
    return Case(
        When(_is_fresh(), then=F(f"fresh_summary__{name}")),
        default=computed,
        output_field=STORED_COLUMNS[name](),
    )


def _fresh_latest_scores() -> Case:
    """The fresh summary's latest scores (NULL when it is not fresh), as a subquery by the
    patient's summary key rather than a column of the join: a selected expression with a
    subquery is evaluated only for the rows kept by ``LIMIT``, where a joined column of this
    width would be carried through the sort of the whole cohort."""
    scores = MaintainedSummary.objects.filter(patient_id=OuterRef("pk")).values("latest_scores")
    return Case(
        When(_is_fresh(), then=Subquery(scores)),
        default=Value(None),
        output_field=JSONField(),
    )


def _base_column_factories(*, maintained: bool = False) -> dict[str, Callable[[], Any]]:
    """The stored facts each summary column is derived from (one subquery each), built only
    when asked for: building the adherence subqueries costs more than running them. With
    ``maintained``, the `STORED_COLUMNS` come from fresh maintained summaries."""
    adherence: list[tuple[Subquery[FloatField], Subquery[FloatField]]] = []

    def adherence_part(index: int) -> Subquery[FloatField]:
        if not adherence:
            adherence.append(_adherence_parts())
        return adherence[0][index]

    factories = _computed_factories(adherence_part)
    if maintained:
        for name in STORED_COLUMNS:
            computed = factories[name]
            factories[name] = partial(lambda n, c: _stored_or_computed(n, c()), name, computed)
    return {
        "summary_fresh": lambda: ExpressionWrapper(_is_fresh(), output_field=BooleanField()),
        "summary_adherence_7d": partial(F, "fresh_summary__adherence_7d"),
        "summary_latest_scores": _fresh_latest_scores,
        **factories,
    }


def _computed_factories(
    adherence_part: Callable[[int], Subquery[FloatField]],
) -> dict[str, Callable[[], Any]]:
    return {
        "current_episode": current_episode_values_subquery,
        "episode_id": lambda: _current_episode("id"),
        "symptom_onset_date": lambda: _current_episode("symptom_onset_date"),
        "episode_status": lambda: _current_episode("status"),
        "episode_resolved_on": lambda: _current_episode("resolved_on"),
        "affected_side": lambda: _current_episode("affected_side"),
        "last_checkin_date": lambda: _latest_checkin("date", "-date"),
        "pain_now_latest": lambda: _latest_checkin("pain_now", "-date", "-recorded_at"),
        "pain_7d_mean": lambda: _mean_pain(since="window_start", until="local_today"),
        "pain_previous_7d_mean": lambda: _mean_pain(since="previous_start", until="previous_end"),
        "adherence_counted": lambda: adherence_part(0),
        "adherence_prescribed": lambda: adherence_part(1),
        **{
            f"open_flags_{severity}": partial(open_flag_count_subquery, severity)
            for severity in SEVERITIES
        },
    }


def _derived_columns() -> dict[str, Any]:
    return {
        # Frozen at resolution: a resolved episode's weeks count up to its resolved_on.
        "weeks_since_onset": Case(
            When(symptom_onset_date__isnull=True, then=Value(None)),
            default=Greatest(
                DaysBetween(
                    F("symptom_onset_date"),
                    Least(F("local_today"), Coalesce(F("episode_resolved_on"), F("local_today"))),
                ),
                Value(0),
            )
            / Value(7),
            output_field=IntegerField(),
        ),
        "days_since_last_checkin": DaysBetween(F("last_checkin_date"), F("local_today")),
        # 1 for a resolved current episode, 0 otherwise (active, or no episode yet): every
        # ordering but the name's puts resolved episodes after the others.
        "is_resolved": Case(
            When(episode_status=EpisodeStatus.RESOLVED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        # Days without a check-in, except for a resolved episode: it is never silent.
        "silent_days": Case(
            When(episode_status=EpisodeStatus.RESOLVED, then=Value(None)),
            default=DaysBetween(F("last_checkin_date"), F("local_today")),
            output_field=IntegerField(),
        ),
        # Bilateral first when sorted worst-first (descending).
        "side_rank": Case(
            When(affected_side="both", then=Value(2)),
            When(affected_side__isnull=False, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        "pain_7d_change": F("pain_7d_mean") - F("pain_previous_7d_mean"),
        "adherence_7d": adherence_ratio_expression(
            F("adherence_counted"), F("adherence_prescribed")
        ),
    }


#: What each computed column is built from, in an order where dependencies come first.
_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "summary_fresh": (),
    "summary_adherence_7d": (),
    "summary_latest_scores": (),
    "current_episode": (),
    "episode_id": (),
    "symptom_onset_date": (),
    "episode_status": (),
    "episode_resolved_on": (),
    "affected_side": (),
    "last_checkin_date": (),
    "pain_now_latest": (),
    "pain_7d_mean": (),
    "pain_previous_7d_mean": (),
    "adherence_counted": ("episode_id",),
    "adherence_prescribed": ("episode_id",),
    **{f"open_flags_{severity}": () for severity in SEVERITIES},
    "weeks_since_onset": ("symptom_onset_date", "episode_resolved_on"),
    "days_since_last_checkin": ("last_checkin_date",),
    "is_resolved": ("episode_status",),
    "silent_days": ("episode_status", "last_checkin_date"),
    "side_rank": ("affected_side",),
    "pain_7d_change": ("pain_7d_mean", "pain_previous_7d_mean"),
    "adherence_7d": ("adherence_counted", "adherence_prescribed"),
}


def _ranking(
    patients: QuerySet[Patient],
    dates: dict[str, dt.date],
    columns: set[str],
    *,
    selected: Collection[str] = (),
    maintained: bool = False,
) -> QuerySet[Patient]:
    """``patients`` with ``columns`` (and what they are built from) as aliases, for a filter
    or an ordering to use: only those reach the SQL, so sorting by one column computes only
    that column for the whole cohort. Those in ``selected`` are annotations instead, read with
    each row (PostgreSQL computes a selected column that is not sorted on only for the rows
    kept by ``LIMIT``). With ``maintained``, the `STORED_COLUMNS` come from fresh maintained
    summaries (`_fresh_summary`) and are computed only for the rows without one."""
    needed = set()
    pending = [*columns, *selected]
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(_DEPENDENCIES[name])
    base = _base_column_factories(maintained=maintained)
    derived = None
    patients = _with_dates(patients, dates)
    if maintained:
        patients = patients.alias(fresh_summary=_fresh_summary())
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


def cohort_ranking(
    dates: dict[str, dt.date],
    columns: Collection[str],
    *,
    selected: Collection[str] = (),
    maintained: bool = False,
) -> QuerySet[Patient]:
    """`_ranking` of every patient, for the caller to narrow with filters on the patient
    (``filter(pk__in=…)``, names, episode status) and to sort: the same rows and SQL as
    `_ranking` of the narrowed patients. Building it (resolving some twenty expressions) cost
    more CPU than the database spent on the page, so the built queryset is kept per process,
    per set of local dates and columns (`_built_ranking`; a queryset is immutable, as a view's
    class-level queryset is: each caller gets a clone)."""
    key = tuple(sorted(dates.items()))
    return _built_ranking(key, frozenset(columns), tuple(selected), maintained).all()


@lru_cache(maxsize=256)
def _built_ranking(
    dates: tuple[tuple[str, dt.date], ...],
    columns: frozenset[str],
    selected: tuple[str, ...],
    maintained: bool,  # noqa: FBT001 - a cache key
) -> QuerySet[Patient]:
    return _ranking(
        Patient.objects.all(), dict(dates), set(columns), selected=selected, maintained=maintained
    )
