"""A one-line progress bar on stderr for the generator's long steps (no dependency)."""

from __future__ import annotations

import sys
import time


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, total: int, label: str, *, enabled: bool = True) -> None:
        self.total, self.label, self.enabled = max(total, 1), label, enabled
        self.done = 0
        self.started = time.monotonic()
        self._last_draw = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.2 or self.done >= self.total):
            self._last_draw = now
            filled = int(30 * self.done / self.total)
            elapsed = now - self.started
            sys.stderr.write(
                f"\r{self.label} [{'#' * filled}{' ' * (30 - filled)}] "
                f"{self.done}/{self.total} {elapsed:6.1f}s"
            )
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()
