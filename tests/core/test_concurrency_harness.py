"""The shared harness of the concurrency tests (tests/support/concurrency.py)."""

from __future__ import annotations

import threading

import pytest

from tests.support.concurrency import ConcurrencyTimeout, run_concurrently


def test_the_calls_run_at_the_same_time_and_every_result_comes_back():
    arrived = threading.Barrier(4, timeout=5)  # passes only when all 4 are inside call()

    def call() -> int:
        return arrived.wait()

    assert sorted(run_concurrently(call, times=4, timeout=10)) == [0, 1, 2, 3]


def test_an_exception_in_a_thread_fails_the_test():
    calls = iter(range(3))
    lock = threading.Lock()

    def call() -> int:
        with lock:
            n = next(calls)
        if n == 1:
            raise ValueError("the second call failed")
        return n

    with pytest.raises(ValueError, match="the second call failed"):
        run_concurrently(call, times=3, timeout=10)


def test_a_call_that_never_returns_fails_instead_of_hanging():
    release = threading.Event()
    try:
        with pytest.raises(ConcurrencyTimeout):
            run_concurrently(lambda: release.wait(), times=2, timeout=0.5)
    finally:
        release.set()
