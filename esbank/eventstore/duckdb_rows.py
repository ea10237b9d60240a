"""Stored rows of the ``events`` table: their columns, reading them as columns, their checks.

A gap in a stream's versions or in the global positions means the log was edited outside
the store; it is reported as ``CorruptEvent`` naming the row, never skipped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import duckdb

from esbank.eventstore.codec import where
from esbank.eventstore.decoding import Columns, fast_uuid, first_break, uuid_ints
from esbank.eventstore.errors import CorruptEvent, DuplicateEventId
from esbank.eventstore.types import AppendResult, ExpectedVersion

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


_HALVES = (
    "CAST(CAST({0} AS UHUGEINT) >> 64 AS UBIGINT) AS {0}_high, "
    "CAST(CAST({0} AS UHUGEINT) & 18446744073709551615 AS UBIGINT) AS {0}_low"
)
_SELECT = (
    "SELECT position, version, event_type, schema_version, {aggregate}"
    + _HALVES.format("event_id")
    + ", epoch_us(recorded_at) AS at_us, "
    "coalesce(CAST(metadata AS VARCHAR), '') AS metadata, metadata IS NULL AS no_metadata, "
    "CAST(payload AS VARCHAR) AS payload FROM events WHERE {where} ORDER BY {order}"
)


def read_columns(
    conn: duckdb.DuckDBPyConnection,
    where_sql: str,
    order: str,
    params: list[Any],
    *,
    aggregate: UUID | None = None,
) -> Columns:
    """The rows matching ``where_sql``, as columns (``aggregate``: all rows are of that one
    stream, so its id is not read per row)."""
    halves = "" if aggregate is not None else _HALVES.format("aggregate_id") + ", "
    sql = _SELECT.format(aggregate=halves, where=where_sql, order=order)
    data = conn.execute(sql, params).fetchnumpy()
    if aggregate is None:
        known: dict[int, UUID] = {}
        keys = uuid_ints(data["aggregate_id_high"], data["aggregate_id_low"])
        aggregates: UUID | list[UUID] = [
            known[k] if k in known else known.setdefault(k, fast_uuid(k)) for k in keys
        ]
    else:
        aggregates = aggregate
    return Columns(
        position=data["position"],
        version=data["version"],
        event_type=data["event_type"],
        schema_version=data["schema_version"],
        aggregate=aggregates,
        event_id_high=data["event_id_high"],
        event_id_low=data["event_id_low"],
        at_us=data["at_us"],
        metadata=data["metadata"],
        no_metadata=data["no_metadata"],
        payload=data["payload"],
    )


def check_contiguous(columns: Columns, aggregate_id: UUID, from_version: int) -> None:
    """Raise CorruptEvent if the stream's rows skip a version."""
    versions = columns.version.tolist()
    i = first_break(versions, from_version)
    if i is not None:
        raise CorruptEvent(
            f"stream {aggregate_id} has a gap: version {from_version + i} is missing before "
            f"{where(int(columns.position[i]), aggregate_id, versions[i])}; the log was "
            "edited outside the store"
        )


def check_positions(columns: Columns, after_position: int) -> None:
    """Raise CorruptEvent if the global log's rows skip a position."""
    positions = columns.position.tolist()
    i = first_break(positions, after_position + 1)
    if i is not None:
        aggregate = columns.aggregate
        aggregate_id = aggregate[i] if isinstance(aggregate, list) else aggregate
        raise CorruptEvent(
            f"the global log has a gap: position {after_position + 1 + i} is missing before "
            f"{where(positions[i], aggregate_id, int(columns.version[i]))}; the log was edited "
            "outside the store"
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
