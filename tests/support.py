"""Small helpers shared by the test modules (pytest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Any


def rows(store: Any) -> list[tuple[Any, ...]]:
    """The whole events table in position order: the ground truth for "nothing was written"
    (either backend: ``store.connection`` takes the same SQL on both)."""
    return store.connection.execute("SELECT * FROM events ORDER BY position").fetchall()
