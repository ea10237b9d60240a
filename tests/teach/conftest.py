"""Fixtures shared by the teach tests."""

from __future__ import annotations

import pytest

from esbank import DuckDBEventStore
from teach.stores import legacy_store


@pytest.fixture
def legacy() -> DuckDBEventStore:
    """A fresh store holding the old application's history (notebook 05)."""
    return legacy_store()
