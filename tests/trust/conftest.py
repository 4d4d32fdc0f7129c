from __future__ import annotations

import pytest

from tests.trust import figures


@pytest.fixture(scope="session", autouse=True)
def trust_figures():
    """Write the trust figures once the trust tests are done."""
    yield figures
    figures.write()
