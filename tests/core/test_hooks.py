"""apps.core.hooks.Hook: the registry a lower app fires and a higher app listens to."""

from __future__ import annotations

import pytest

from apps.core.hooks import Hook


def test_listeners_are_called_in_registration_order_once_each():
    hook: Hook[int] = Hook("test.numbers")
    heard: list[tuple[str, int]] = []

    def first(number: int) -> None:
        heard.append(("first", number))

    def second(number: int) -> None:
        heard.append(("second", number))

    hook.register(first)
    hook.register(second)
    hook.register(first)  # again: still once
    hook.fire(7)

    assert heard == [("first", 7), ("second", 7)]
    assert hook.listeners == (first, second)


def test_a_listener_error_reaches_the_writer_and_later_listeners_do_not_run():
    hook: Hook[str] = Hook("test.failing")
    heard: list[str] = []

    def broken(subject: str) -> None:
        raise RuntimeError(f"cannot follow {subject}")

    hook.register(broken)
    hook.register(heard.append)

    with pytest.raises(RuntimeError, match="cannot follow x"):
        hook.fire("x")
    assert heard == []


def test_a_hook_without_listeners_does_nothing_and_unregister_removes():
    hook: Hook[str] = Hook("test.empty")
    hook.fire("nobody hears")
    heard: list[str] = []
    hook.register(heard.append)
    hook.unregister(heard.append)
    hook.fire("still nobody")
    assert heard == []
    assert hook.listeners == ()
