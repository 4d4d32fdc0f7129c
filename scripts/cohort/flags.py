"""The flag engine's run over a generated cohort, so that it carries the flags its data meets
(as the per-check-in evaluations and the nightly sweep would have left them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from scripts.cohort.progress import Progress
from scripts.cohort.recent import ENSURE_RECENT_EVENTS_UP_TO, RECENT_DAYS

# Large cohorts are evaluated in batches of this many episodes (the nightly sweep's way).
BATCH_EPISODES = 200


def evaluate_cohort_flags(episode_ids: Sequence[Any], *, today: dt.date, progress: bool) -> None:
    """Run the flag engine over the new active episodes, so the cohort carries the flags its
    data meets: small cohorts over their last fortnight (the flags a clinic would see open
    now, as the per-check-in evaluations would have left them), large ones for today only,
    in the nightly sweep's batches."""
    from apps.episodes.models import Episode
    from apps.flags import services
    from apps.flags.rules import thresholds_in_force

    active = list(
        Episode.objects.filter(pk__in=list(episode_ids), status="active")
        .order_by("id")
        .values_list("id", flat=True)
    )
    thresholds = thresholds_in_force()
    bar = Progress(len(active), "flag engine", enabled=progress)
    if len(active) <= ENSURE_RECENT_EVENTS_UP_TO:
        dates = [today - dt.timedelta(days=n) for n in range(RECENT_DAYS - 1, -1, -1)]
        for episode_id in active:
            services.episode_evaluate(episode_id=episode_id, dates=dates, thresholds=thresholds)
            bar.advance()
        return
    for start in range(0, len(active), BATCH_EPISODES):
        batch = active[start : start + BATCH_EPISODES]
        services.episodes_evaluate_today(episode_ids=batch, thresholds=thresholds)
        bar.advance(len(batch))
