"""The flags app's writes, as other apps call them (docs/CONTRACTS.md). A facade: each idea
lives in its own module and is re-exported here, so callers keep one import path.

- `apps/flags/advice.py` — `checkin_advice`, in the check-in request (reads only).
- `apps/flags/engine.py` — `episode_evaluate`, `evaluate_snapshot(s)`, `episodes_evaluate_today`,
  `dates_to_evaluate`; the walk of each rule's flags is `apps/flags/walk.py`, by the table of
  `apps/flags/state_machine.py`.
- `apps/flags/announcements.py` — who hears about a new flag, escalation, the daily digest.
- `apps/flags/lifecycle.py` — `flag_acknowledge`, `flag_resolve`, `flag_reopen` (the care team).

Call these through this module (``from apps.flags import services``; ``services.NAME``):
the record-change consumer does, and tests replace ``services.episode_evaluate`` there.
"""

from __future__ import annotations

from apps.flags.advice import SEVERITY_ORDER, checkin_advice
from apps.flags.announcements import (
    DIGEST_DETAIL_MAX,
    escalation_delay,
    flag_announce,
    flags_escalate_unacknowledged,
    flags_send_daily_digests,
)
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
from apps.flags.walk import WITHDRAWN_NOTE, EvaluationOutcome

__all__ = [
    "DIGEST_DETAIL_MAX",
    "MAX_EVALUATED_DAYS",
    "SEVERITY_ORDER",
    "WITHDRAWN_NOTE",
    "EvaluationOutcome",
    "checkin_advice",
    "dates_to_evaluate",
    "episode_evaluate",
    "episodes_evaluate_today",
    "escalation_delay",
    "evaluate_snapshot",
    "evaluate_snapshots",
    "flag_acknowledge",
    "flag_announce",
    "flag_reopen",
    "flag_resolve",
    "flags_escalate_unacknowledged",
    "flags_send_daily_digests",
    "local_today_of_episode",
]
