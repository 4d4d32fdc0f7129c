"""The questionnaire-response figure: `POST questionnaire-responses/` (validation against the
instrument, server-side scoring, answers and scores stored, record change) vs a bare DRF
create of one row, in requests per second, against the same gunicorn as the check-in
figure (scripts/benchmarks/http_figures.py calls it)."""

from __future__ import annotations

import datetime as dt

from scripts.benchmarks.common import Figure, paired_figure
from scripts.benchmarks.load import paired_posts

QUESTIONNAIRE_BODY = r"""
  body = string.format('{"client_id":"%s","instrument":"psfs","instrument_version":"1",' ..
    '"language":"en","completed_at":"%s","answers":[' ..
    '{"item":"activity_1","value":"walking"},{"item":"rating_1","value":%d},' ..
    '{"item":"activity_2","value":"stairs"},{"item":"rating_2","value":%d},' ..
    '{"item":"activity_3","value":"cooking"},{"item":"rating_3","value":%d}]}',
    uuid4(), completed[1], k % 11, (k + 3) % 11, (k + 5) % 11)
"""


def bench_questionnaire(port: int, args, pool: list[str]) -> Figure:
    """Questionnaire-response POST vs a bare create, paired rounds as the check-in figure
    (the first round warms up). The patients are the check-in figure's (an active episode
    each); responses never conflict, so the pool is reused."""
    completed = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    paired = paired_posts(
        port,
        args,
        pool,
        path="/api/v1/questionnaire-responses/",
        body=QUESTIONNAIRE_BODY,
        lists={"completed": [completed]},
    )
    return paired_figure(
        "questionnaire-response POST throughput",
        paired,
        key="questionnaire",
    )
