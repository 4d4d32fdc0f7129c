"""A tiny typed registry: how a lower app tells a higher one that something happened, without
importing it (docs/CONTRACTS.md, "Nothing calls up the stack").

The lower app owns the hook and fires it; the higher app registers a listener from its
``AppConfig.ready()``. Listeners run synchronously, in registration order, where the writer
fires the hook — inside the writer's transaction when it fires there — and an exception in a
listener propagates to the writer (its transaction rolls back, as when the writer called the
listener itself). A hook without listeners does nothing.

Why not Django signals: a hook names one typed event (``Hook[Patient]`` takes a Patient and
nothing else, checked by mypy), its listeners are listed in one place (``listeners``) for the
tests that prove they are registered, it has no ``sender``/``**kwargs`` convention to get
wrong, and it does not swallow or hide errors (``send`` re-raises; ``send_robust`` would hide a
failure the writer must see). Example::

    # apps/accounts/hooks.py (lower)
    patient_time_zone_changed: Hook[Patient] = Hook("accounts.patient_time_zone_changed")
    # apps/accounts/services.py
    patient_time_zone_changed.fire(patient)
    # apps/reminders/apps.py (higher), in ready()
    patient_time_zone_changed.register(recompute_for)
"""

from __future__ import annotations

from collections.abc import Callable


class Hook[T]:
    """One event of a lower app; ``fire(subject)`` calls every registered ``listener(subject)``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._listeners: list[Callable[[T], None]] = []

    def register(self, listener: Callable[[T], None]) -> None:
        """Add ``listener``; registering the same callable again changes nothing (``ready()``
        may run more than once in tests)."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def unregister(self, listener: Callable[[T], None]) -> None:
        """Remove ``listener`` if registered (for tests)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def listeners(self) -> tuple[Callable[[T], None], ...]:
        return tuple(self._listeners)

    def fire(self, subject: T) -> None:
        """Call each listener with ``subject``, in registration order; errors propagate."""
        for listener in tuple(self._listeners):
            listener(subject)

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, listeners={len(self._listeners)})"
