"""What the flag engine tells the apps above it, without importing them (docs/CONTRACTS.md,
"Nothing calls up the stack").

Who hears about a new flag is apps.notifications' business: every new flag row is stored
unannounced (``Flag.announced_at`` null) and apps.notifications claims it
(`apps.notifications.flag_announcements.flags_announce_pending`). ``flags_opened`` is only the
kick that makes that happen at once: fired after the commit of an evaluation that opened flags,
with their ids; a listener that fails is logged and swallowed, because the row is the queue (a
beat tick claims what a lost kick left)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.db import transaction

from apps.core.hooks import Hook
from apps.flags.models import Flag

logger = logging.getLogger(__name__)

flags_opened: Hook[list[uuid.UUID]] = Hook("flags.flags_opened")


def flags_opened_after_commit(flags: Iterable[Flag]) -> None:
    """Fire `flags_opened` with the new flags' ids once the current transaction commits."""
    ids = [flag.id for flag in flags]
    if ids:
        transaction.on_commit(lambda: _fire(ids))


def _fire(ids: list[uuid.UUID]) -> None:
    try:
        flags_opened.fire(ids)
    except Exception:  # the flags are stored unannounced: the beat tick announces them
        logger.exception("flags_opened listener failed: %d flag(s) left to the tick", len(ids))
