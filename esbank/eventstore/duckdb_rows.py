"""Stored rows of the ``events`` table: their columns, their checks, and decoding them.

A gap in a stream's versions or in the global positions means the log was edited outside
the store; it is reported as ``CorruptEvent`` naming the row, never skipped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any
from uuid import UUID

from esbank.eventstore.codec import EventRegistry, where
from esbank.eventstore.errors import CorruptEvent, DuplicateEventId
from esbank.eventstore.types import AppendResult, ExpectedVersion, RecordedEvent

COLUMN_NAMES = [
    "position",
    "aggregate_id",
    "version",
    "event_id",
    "event_type",
    "schema_version",
    "payload",
    "metadata",
    "recorded_at",
]
COLUMNS = ", ".join(COLUMN_NAMES)


def recorded(row: tuple[Any, ...], registry: EventRegistry) -> RecordedEvent:
    """A stored row (columns ``COLUMNS``) as a ``RecordedEvent`` with its upcast event."""
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
    """Raise CorruptEvent if the stream's rows skip a version."""
    for expected, row in enumerate(rows, start=from_version):
        if row[2] != expected:
            raise CorruptEvent(
                f"stream {aggregate_id} has a gap: version {expected} is missing before "
                f"{where(row[0], row[1], row[2])}; the log was edited outside the store"
            )


def check_positions(rows: Sequence[Any], after_position: int) -> None:
    """Raise CorruptEvent if the global log's rows skip a position."""
    for expected, row in enumerate(rows, start=after_position + 1):
        if row[0] != expected:
            raise CorruptEvent(
                f"the global log has a gap: position {expected} is missing before "
                f"{where(row[0], row[1], row[2])}; the log was edited outside the store"
            )


def earlier_result(
    aggregate_id: UUID,
    encoded: list[tuple[str, int, str]],
    ids: Sequence[UUID],
    expected_version: int | ExpectedVersion,
    found: list[tuple[Any, ...]],
) -> AppendResult | None:
    """The result of an earlier append with these event ids (``found``: its stored rows in
    position order), None if none is stored.

    A retry resends the same events to the same stream with the same expected version;
    anything else that reuses stored ids is refused, so no write is silently dropped.
    """
    if not found:
        return None
    same = (
        len(found) == len(ids)
        and [row[3] for row in found] == list(ids)
        and all(row[1] == aggregate_id for row in found)
        and [row[2] for row in found] == list(range(found[0][2], found[0][2] + len(ids)))
        and all(
            (row[4], row[5], json.loads(row[6])) == (t, v, json.loads(p))
            for row, (t, v, p) in zip(found, encoded, strict=True)
        )
    )
    stored = ", ".join(f"{row[3]} at {where(row[0], row[1], row[2])}" for row in found)
    if not same:
        raise DuplicateEventId(
            f"event ids already stored with different content: {stored}. An idempotent "
            "retry must resend exactly the same events to the same stream; give new "
            "events new ids"
        )
    if isinstance(expected_version, int) and found[0][2] != expected_version + 1:
        raise DuplicateEventId(
            f"event ids already stored by another append: {stored}, which expected "
            f"version {found[0][2] - 1}, not {expected_version}. A retry resends the same "
            "expected version; a new append needs new event ids (is an id factory "
            "handing out ids twice?)"
        )
    return AppendResult(aggregate_id, found[-1][2], tuple(row[0] for row in found))
