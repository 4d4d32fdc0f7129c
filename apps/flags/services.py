"""The flags app's writes, as other apps call them (docs/CONTRACTS.md). A facade: each idea
lives in its own module and is re-exported here, so callers keep one import path.

- `apps/flags/advice.py` — `checkin_advice`, in the check-in request (reads only).
- `apps/flags/engine.py` — `episode_evaluate`, `evaluate_snapshot(s)`, `episodes_evaluate_today`,
  `dates_to_evaluate`; the walk of each rule's flags is `apps/flags/walk.py`, by the table of
  `apps/flags/state_machine.py`.
- `apps/flags/hooks.py` — `flags_opened`, the after-commit kick of the new flags' announcement
  (who hears about a flag is apps.notifications': `apps/notifications/flag_announcements.py`).
- `apps/flags/lifecycle.py` — `flag_acknowledge`, `flag_resolve`, `flag_reopen` (the care team).

Call these through this module (``from apps.flags import services``; ``services.NAME``):
the record-change consumer does, and tests replace ``services.episode_evaluate`` there.
"""

from __future__ import annotations

from apps.flags.advice import checkin_advice
from apps.flags.engine import (
    MAX_EVALUATED_DAYS,
    dates_to_evaluate,
    episode_evaluate,
    episodes_evaluate_today,
    evaluate_snapshot,
    evaluate_snapshots,
    local_today_of_episode,
)
from apps.flags.lifecycle import flag_acknowledge, flag_reopen, flag_resolve
from apps.flags.rules.base import SEVERITY_ORDER
from apps.flags.walk import WITHDRAWN_NOTE, EvaluationOutcome

__all__ = [
    "MAX_EVALUATED_DAYS",
    "SEVERITY_ORDER",
    "WITHDRAWN_NOTE",
    "EvaluationOutcome",
    "checkin_advice",
    "dates_to_evaluate",
    "episode_evaluate",
    "episodes_evaluate_today",
    "evaluate_snapshot",
    "evaluate_snapshots",
    "flag_acknowledge",
    "flag_reopen",
    "flag_resolve",
    "local_today_of_episode",
]
