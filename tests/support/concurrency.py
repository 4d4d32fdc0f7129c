"""Run one callable in several threads at once: the concurrency tests' shared harness.

Each thread waits at a barrier, so the calls start together (as racing requests do), then
records what its call returned; each closes its own database connection (Django opens one per
thread). The first exception a call raised is raised again in the test, rather than being
printed by ``threading`` and showing up as a short result list; a thread that does not get
past the barrier or finish within ``timeout`` fails the test instead of hanging it."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


class ConcurrencyTimeout(AssertionError):
    """A thread of ``run_concurrently`` did not finish in time."""


def run_concurrently[T](call: Callable[[], T], *, times: int = 4, timeout: float = 30) -> list[T]:
    """``call()`` in ``times`` threads started together; their results in the order they
    finished. Raises the first exception a call raised."""
    barrier = threading.Barrier(times)
    lock = threading.Lock()
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=timeout)
            result = call()
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - raised again in the test
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        raise ConcurrencyTimeout(f"a thread of {times} was still running after {timeout} s")
    if errors:
        # A call's own error rather than the broken barrier it left the others with.
        raise next(
            (e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0]
        )
    return results
