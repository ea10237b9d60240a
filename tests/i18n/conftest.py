"""Fixtures of the zh-TW tests: the reader's language, set for one test and reset after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esbank.teach import i18n


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """Every test starts and ends in English, whatever it sets in between."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def zh() -> None:
    """The reader's language is Traditional Chinese for this test."""
    i18n.set_language("zh-TW")
