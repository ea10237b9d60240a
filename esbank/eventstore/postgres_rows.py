"""Rows of the PostgreSQL ``events`` table (columns ``COLUMNS``) as ``RecordedEvent``s, and the
checks that find a gap in a stream or in the log.

The PostgreSQL store reads rows, not columns, so it keeps its own row decoding here; what a
stored payload means is the codec's (``EventRegistry.decode``), as for every store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any
from uuid import UUID

from esbank.eventstore.codec import EventRegistry, where
from esbank.eventstore.errors import CorruptEvent
from esbank.eventstore.types import RecordedEvent


def recorded(row: Sequence[Any], registry: EventRegistry) -> RecordedEvent:
    """A stored row as a ``RecordedEvent`` with its upcast event (a ``StoreError`` naming the
    row when it cannot be read)."""
    position, aggregate_id, version, event_id, event_type, schema_version, payload, meta, at = row
    event = registry.decode(
        event_type,
        schema_version,
        payload,
        position=position,
        aggregate_id=aggregate_id,
        version=version,
    )
    try:
        metadata = json.loads(meta) if meta is not None else {}
    except ValueError as exc:
        raise CorruptEvent(
            f"metadata at {where(position, aggregate_id, version)} is not valid JSON: {exc}"
        ) from None
    return RecordedEvent(
        position=position,
        aggregate_id=aggregate_id,
        version=version,
        event_id=event_id,
        event_type=event_type,
        schema_version=schema_version,
        event=event,
        metadata=metadata if isinstance(metadata, dict) else {"value": metadata},
        recorded_at=at.astimezone(UTC),
    )


def check_contiguous(aggregate_id: UUID, rows: Sequence[Any], from_version: int) -> None:
    """Raise ``CorruptEvent`` if the stream's rows skip a version."""
    for expected, row in enumerate(rows, start=from_version):
        if row[2] != expected:
            raise CorruptEvent(
                f"stream {aggregate_id} has a gap: version {expected} is missing before "
                f"{where(row[0], row[1], row[2])}; the log was edited outside the store"
            )


def check_positions(rows: Sequence[Any], after_position: int) -> None:
    """Raise ``CorruptEvent`` if the log's rows skip a position."""
    for expected, row in enumerate(rows, start=after_position + 1):
        if row[0] != expected:
            raise CorruptEvent(
                f"the global log has a gap: position {expected} is missing before "
                f"{where(row[0], row[1], row[2])}; the log was edited outside the store"
            )
