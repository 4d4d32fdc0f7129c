from __future__ import annotations

import pytest

from tests.notifications.doubles import provider_doubles  # noqa: F401


@pytest.fixture(autouse=True)
def _doubles(provider_doubles):  # noqa: F811
    """Every notification test talks to the provider doubles, never to a real provider."""
    return
