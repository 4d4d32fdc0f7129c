"""Channels for development and tests: one that logs, one that records in memory."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from apps.notifications.channels.base import Channel, DeliveryError, OutboundMessage

logger = logging.getLogger(__name__)


class ConsoleChannel(Channel):
    """Logs that a notification would go out, without the address or the content."""

    name = "console"

    def send(self, message: OutboundMessage) -> None:
        logger.info("notification %s delivered to the console", message.notification_id)


class RecordingChannel(Channel):
    """Keeps every message in memory (class-wide, so a worker thread and the test share it).

    ``script`` lets a test make the next sends fail: each item is None (succeed) or a
    DeliveryError to raise."""

    name = "recording"
    _lock = threading.Lock()
    sent: list[OutboundMessage] = []
    script: list[DeliveryError | None] = []

    @classmethod
    def reset(cls, script: Iterable[DeliveryError | None] = ()) -> None:
        with cls._lock:
            cls.sent = []
            cls.script = list(script)

    def send(self, message: OutboundMessage) -> None:
        with self._lock:
            outcome = self.script.pop(0) if self.script else None
            if outcome is not None:
                raise outcome
            self.sent.append(message)
