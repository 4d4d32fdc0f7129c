"""The single questionnaire-response POST's write on PostgreSQL: the response, its answers, its
scores and its record-change row in ONE statement (a data-modifying CTE, atomic on its own: no
BEGIN/COMMIT round trips), instead of a transaction of five statements. Elsewhere, and for a
batch of several, apps/outcomes/response_store.py's ``store`` writes them in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from apps.core.statements import insert_rows, orm_insert
from apps.episodes.models import RecordChange
from apps.episodes.record_changes import record_change_with_statement
from apps.outcomes.models import Answer, QuestionnaireResponse, Score


def _rows_after_written(name: str, model: type, objs: Sequence[Any]) -> tuple[str, str, list]:
    """A CTE part inserting ``objs`` only when the response was written (``FROM written``)."""
    head, rows, params = insert_rows(model, objs)
    # Names from the model, every value a parameter (apps.core.statements).
    return name, f"{head} SELECT v.* FROM written, (VALUES {rows}) AS v", params  # noqa: S608


@contextmanager
def write_one(
    response: QuestionnaireResponse,
    answers: Sequence[Answer],
    scores: Sequence[Score],
    *,
    date: dt.date,
) -> Iterator[RecordChange | None]:
    """Write the response with its answers, scores and record-change row (PostgreSQL), then
    run the block with the change row, or None when the response's client_id was stored
    before (nothing written). In the block the writer calls ``record_change_write`` as after
    any accepted write (it finds its row written and schedules the kick)."""
    also = [
        _rows_after_written(name, model, objs)
        for name, model, objs in (("answers", Answer, answers), ("scores", Score, scores))
        if objs
    ]
    with record_change_with_statement(
        orm_insert(response, ignore_conflicts=True),
        episode=response.episode,
        changed_dates=[date],
        also=also,
    ) as change:
        if change is not None:
            for obj in (response, *answers, *scores):
                obj._state.adding = False
                obj._state.db = connection.alias
        yield change
