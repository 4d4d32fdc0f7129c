"""The single questionnaire-response POST's one read before its write: the instrument
catalogue's token (apps/outcomes/catalogue.py) and, for each score of the new response, the
first and the last scored value before it in its episode (the baseline and the previous
value its changes are against: `selectors.changes_of` over every score gives it the same).

One statement, one row: the catalogue row with two scalar subqueries per score code. Each
subquery walks the episode's responses of that instrument code (index
``qresponse_episode_date``) and probes each one's score (index ``score_unique``): never the
scores of the score definition, which span every episode. The statement's text depends only
on the number of score codes and is written once per number, by hand: building it with the
ORM (six nested subqueries for a three-score instrument) cost more Python per request than
the rest of the read. Only quoted names from the models are interpolated; every value is a
parameter prepared by its model field, as the ORM would."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field

from apps.outcomes.models import (
    CatalogueVersion,
    Instrument,
    QuestionnaireResponse,
    Score,
    ScoreDefinition,
)


@dataclass(frozen=True)
class PriorScores:
    """What `catalogue_and_prior_scores` read: the catalogue's token (None: no catalogue
    row) and, per score code asked for, (baseline, previous): the first and the last scored
    value of that instrument code's score in the episode before the response (None: none)."""

    token: uuid.UUID | None
    by_score: dict[str, tuple[float | None, float | None]]


def _names() -> dict[str, str]:
    quote = connection.ops.quote_name

    def column(model: Any, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    return {
        "catalogue": quote(CatalogueVersion._meta.db_table),
        "token": column(CatalogueVersion, "token"),
        "c_id": column(CatalogueVersion, "id"),
        "responses": quote(QuestionnaireResponse._meta.db_table),
        "r_id": column(QuestionnaireResponse, "id"),
        "r_episode": column(QuestionnaireResponse, "episode"),
        "r_instrument": column(QuestionnaireResponse, "instrument"),
        "r_date": column(QuestionnaireResponse, "date"),
        "r_completed": column(QuestionnaireResponse, "completed_at"),
        "instruments": quote(Instrument._meta.db_table),
        "i_id": column(Instrument, "id"),
        "i_code": column(Instrument, "code"),
        "scores": quote(Score._meta.db_table),
        "s_value": column(Score, "value"),
        "s_response": column(Score, "response"),
        "s_definition": column(Score, "definition"),
        "definitions": quote(ScoreDefinition._meta.db_table),
        "d_id": column(ScoreDefinition, "id"),
        "d_code": column(ScoreDefinition, "code"),
    }


@cache
def _statement(vendor: str, count: int) -> str:
    """The statement for ``count`` score codes (one per database vendor: the quoting)."""
    n = _names()
    # Quoted names from the models only; every value is a parameter (S608).
    # The response r's scored value of the score code (a parameter), or NULL:
    scored = (
        f"(SELECT s.{n['s_value']} FROM {n['scores']} s JOIN {n['definitions']} d"  # noqa: S608
        f" ON d.{n['d_id']} = s.{n['s_definition']} WHERE s.{n['s_response']} = r.{n['r_id']}"
        f" AND d.{n['d_code']} = %s AND s.{n['s_value']} IS NOT NULL)"
    )
    before = (  # r ordered before the new response: (date, completed_at, id)
        f"(r.{n['r_date']} < %s OR (r.{n['r_date']} = %s AND (r.{n['r_completed']} < %s"
        f" OR (r.{n['r_completed']} = %s AND r.{n['r_id']} < %s))))"
    )
    subqueries = []
    for _ in range(count):
        for order in ("ASC", "DESC"):
            subqueries.append(
                f"(SELECT {scored} FROM {n['responses']} r JOIN {n['instruments']} i"  # noqa: S608
                f" ON i.{n['i_id']} = r.{n['r_instrument']}"
                f" WHERE r.{n['r_episode']} = %s AND i.{n['i_code']} = %s AND {before}"
                f" AND {scored} IS NOT NULL ORDER BY r.{n['r_date']} {order},"
                f" r.{n['r_completed']} {order}, r.{n['r_id']} {order} LIMIT 1)"
            )
    selected = ", ".join([f"c.{n['token']}", *subqueries])
    return f"SELECT {selected} FROM {n['catalogue']} c WHERE c.{n['c_id']} = 1"  # noqa: S608


def catalogue_and_prior_scores(
    *,
    episode_id: uuid.UUID,
    instrument: str,
    scores: Sequence[str],
    date: dt.date,
    completed_at: dt.datetime,
    response_id: uuid.UUID,
) -> PriorScores:
    """For a response about to be stored in ``episode_id`` (its local ``date``,
    ``completed_at`` and ``id``): the catalogue's token, and per code of ``scores`` of the
    instrument code ``instrument``, the baseline and the previous scored value before it,
    in the order of every score read (date, completed_at, response id). One query."""

    def prepared(name: str, value: Any) -> Any:
        field = QuestionnaireResponse._meta.get_field(name)
        assert isinstance(field, Field)  # noqa: S101 - concrete fields, not relations
        return field.get_db_prep_value(value, connection)

    episode = prepared("episode", episode_id)
    day = prepared("date", date)
    instant = prepared("completed_at", completed_at)
    own = prepared("id", response_id)
    params: list[Any] = []
    for code in scores:
        for _order in ("ASC", "DESC"):
            params += [code, episode, instrument, day, day, instant, instant, own, code]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor, len(scores)), params)
        row = cursor.fetchone()
    if row is None:  # no catalogue row: the token unknown
        return PriorScores(None, {})
    token = row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(str(row[0]))
    return PriorScores(
        token,
        {code: (row[1 + 2 * i], row[2 + 2 * i]) for i, code in enumerate(scores)},
    )
