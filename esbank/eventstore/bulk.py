"""What a bulk load of events takes (backend-neutral): events by their fields, not their JSON.

A bulk load (seeding) hands the store a frame with one row per event: its place, its ids as
two unsigned 64-bit halves, its type and time, and one column per event field. The store
writes each payload itself, at the type's current schema version, in its own SQL.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from esbank.eventstore.codec import EventRegistry
from esbank.eventstore.decoding import FIELD_COLUMNS
from esbank.eventstore.errors import InvalidAppend

EVENT_FRAME_COLUMNS = [
    "position",
    "aggregate_id_high",
    "aggregate_id_low",
    "version",
    "event_id_high",
    "event_id_low",
    "event_type",
    "recorded_at",
    "metadata",
    *FIELD_COLUMNS,
]


def bulk_types(registry: EventRegistry) -> set[str]:
    """The event types a bulk load can write: those whose fields have a column."""
    return {
        name
        for name, cls in registry.classes.items()
        if {f.name for f in dataclasses.fields(cls)} <= set(FIELD_COLUMNS)
    }


def check_event_frame(frame: pd.DataFrame, registry: EventRegistry) -> set[str]:
    """The event types a bulk load can write; ``InvalidAppend`` if ``frame`` is not a frame
    of ``EVENT_FRAME_COLUMNS`` holding only those types."""
    if list(frame.columns) != EVENT_FRAME_COLUMNS:
        raise InvalidAppend(f"insert_events takes the columns {EVENT_FRAME_COLUMNS}")
    loadable = bulk_types(registry)
    others = sorted(set(frame["event_type"]) - loadable)
    if others:
        raise InvalidAppend(
            f"a bulk load writes only {sorted(loadable)}, not {others}: append the others"
        )
    return loadable
