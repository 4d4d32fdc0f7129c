"""A push channel for the worker-kill fault test, shared by worker processes through files.

``send`` writes a "started" marker, then (when FAULT_CHANNEL_BLOCK=1) blocks as a slow
provider would, so that the test can kill the worker in the middle of the task; the provider
"receives" the message only when ``send`` completes, which appends a line to the deliveries
file. Exactly one line per notification means exactly one delivery."""

from __future__ import annotations

import os
import time
from pathlib import Path

from apps.notifications.channels.base import Channel, OutboundMessage


class FileRecordingPushChannel(Channel):
    name = "push"

    @classmethod
    def configuration_problem(cls) -> str | None:
        return None

    def send(self, message: OutboundMessage) -> None:
        folder = Path(os.environ["FAULT_CHANNEL_DIR"])
        (folder / f"started-{os.getpid()}").write_text(message.notification_id)
        while os.environ.get("FAULT_CHANNEL_BLOCK") == "1":
            time.sleep(0.1)  # a provider that never answers: the worker is killed here
        with (folder / "deliveries").open("a") as deliveries:
            deliveries.write(f"{message.notification_id}\n")
