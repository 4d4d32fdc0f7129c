"""The latest questionnaire scores of a dashboard row, as the row shows them, and the stamp of
the instrument catalogue they were computed with (apps.dashboard.summary_store keeps them in
the maintained summary; apps.dashboard.row_scores reads them).

A row's latest scores (`apps.outcomes.selectors.latest_scores_by_episode`: per instrument and
score of the current episode, the latest value with its change from baseline) depend on
- the episode's stored scores: every write of a questionnaire response, and every rescoring
  (`apps.outcomes.services.scores_rescore`), writes the episode's record-change row, so a
  pending change makes the whole summary stale and its processing refreshes it;
- the score definitions they were scored by (instrument and score codes, which way is
  better, the MCID that decides "better"/"worse", the MDC, the algorithm version): these
  change outside the outbox (an instrument load, a data migration). `catalogue_stamp` is a
  digest of every definition's fields, computed in SQL; a summary stamped with another
  digest than the current one is stale (`summary_columns._fresh_summary`), so the page
  computes its row, and the periodic refresh recomputes it (`stale_summary_patients`);
- how a change is scored (`apps.outcomes.scoring.change_of`) and how a score is rendered
  here: `SCORES_FORMAT`, part of the stamp. Bump it when either changes, or run
  ``manage.py rebuild_dashboard_summaries`` after a deploy that changes them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F, Func, QuerySet, StringAgg, Subquery, TextField, Value
from django.db.models.functions import MD5, Cast, Coalesce

from apps.outcomes.models import ScoreDefinition

#: The rendering of `rendered_latest_score` and the change rule it shows; part of the stamp.
SCORES_FORMAT = "1"

#: The definition fields a latest score's rendering depends on (through its stored score).
_STAMPED_FIELDS = (
    "id",
    "instrument__code",
    "code",
    "better",
    "mcid",
    "mdc",
    "algorithm_version",
)


class _PlainStringAgg(StringAgg):
    """``STRING_AGG`` over every row, with no ``GROUP BY`` (as
    `apps.core.expressions.PlainAggregate`): the subquery is one uncorrelated scalar,
    evaluated once per statement."""

    contains_aggregate = False


class _Joined(Func):
    """Texts joined with ``||`` in one flat expression (`Concat` nests a pair per part,
    deeper than SQLite's parser allows); every part is NOT NULL text."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = TextField()


def _stamp_row() -> QuerySet[ScoreDefinition, Any]:
    parts: list[Any] = [Cast(Value(SCORES_FORMAT), TextField())]
    for name in _STAMPED_FIELDS:
        parts.append(Cast(Value("|"), TextField()))
        parts.append(Coalesce(Cast(F(name), TextField()), Value("~"), output_field=TextField()))
    ordering: dict[str, Any] = {}
    if connection.features.supports_aggregate_order_by_clause:
        ordering["order_by"] = ("id",)
    joined = _PlainStringAgg(_Joined(*parts), Value(";"), **ordering)
    # No definition at all: a digest of its own, never NULL (NULL would equal nothing).
    digest = Coalesce(MD5(joined), Value("-"), output_field=TextField())
    return ScoreDefinition.objects.order_by().values(stamp=digest)


def catalogue_stamp() -> Subquery:
    """The digest of every score definition's `_STAMPED_FIELDS` and `SCORES_FORMAT`, as a
    scalar subquery. Sorted by id where the database sorts inside an aggregate (PostgreSQL);
    elsewhere in the table's scan order, which a change of order could only turn into a new
    digest (a stale summary, recomputed), never into the digest of another catalogue."""
    return Subquery(_stamp_row()[:1], output_field=TextField())


def current_catalogue_stamp() -> str:
    """`catalogue_stamp` now (one query)."""
    [row] = list(_stamp_row())
    return str(row["stamp"])


def rendered_latest_score(latest: Any) -> dict[str, Any]:
    """One `apps.outcomes.selectors.LatestScore` as the dashboard row shows it (API.md:
    ``latest_scores``): JSON values only, so a maintained summary stores it as it is shown."""
    change = latest.change
    return {
        "instrument": str(latest.instrument),
        "score": str(latest.score),
        "value": None if latest.value is None else float(latest.value),
        "date": latest.date.isoformat(),
        "change_from_baseline": (
            None if change.change_from_baseline is None else float(change.change_from_baseline)
        ),
        "meaningful": None if change.meaningful is None else str(change.meaningful),
    }
