"""Fixtures of the integration tests that start apps of their own."""

from __future__ import annotations

import pytest

from hotline.infra import context
from hotline.infra.database import dispose_engines
from tests.conftest import empty_transactional_tables


@pytest.fixture
def cleanup():
    """Call it with each app the test made: its tables are emptied and its pools closed
    after the test."""
    apps = []
    yield apps.append
    for app in apps:
        empty_transactional_tables(context.engine(app))
        dispose_engines(app)
