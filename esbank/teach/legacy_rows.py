"""Rows as an older (or newer) release of the code wrote them, put straight into a store.

:func:`write_rows` inserts :class:`LegacyRow` values into a store's ``events`` table around the
codec, with positions, versions, ids and times from injected factories, so a notebook prints
the same thing on every run. Notebook 05 writes the old application's history with it;
notebook 06 shows a read model rebuilt over old shapes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from esbank.domain.arguments import require_aware
from esbank.domain.errors import InvalidArgument
from esbank.domain.events import Event
from esbank.eventstore.duckdb_store import COLUMNS, DuckDBEventStore
from esbank.eventstore.inspection import require_store


@dataclass(frozen=True, slots=True)
class LegacyRow:
    """One stored row as some release of the code wrote it, and the fact it stands for.

    ``means`` is the current event the row should be read as, written by hand (not computed
    by the upcasters), or None for a row that cannot be read.
    """

    aggregate_id: UUID
    event_type: str
    schema_version: int
    payload: Mapping[str, Any]
    release: str
    means: Event | None = None


def require_rows(rows: object) -> list[LegacyRow]:
    """``rows`` if it is a non-empty list of ``LegacyRow`` whose payloads are dicts."""
    if isinstance(rows, LegacyRow):
        raise InvalidArgument("rows must be a list of LegacyRow; wrap a single row as [row]")
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence) or not rows:
        raise InvalidArgument("rows must be a non-empty list of LegacyRow")
    for i, row in enumerate(rows):
        if not isinstance(row, LegacyRow):
            raise InvalidArgument(f"rows[{i}] is a {type(row).__name__}, not a LegacyRow")
        if not isinstance(row.payload, Mapping):
            raise InvalidArgument(
                f"rows[{i}].payload must be a dict of the row's fields, "
                f"got {type(row.payload).__name__}"
            )
    return list(rows)


def write_rows(
    store: DuckDBEventStore,
    rows: Sequence[LegacyRow],
    *,
    clock: Callable[[], datetime],
    new_id: Callable[[], UUID],
) -> tuple[int, ...]:
    """Insert ``rows`` into the ``events`` table as they are, around the store's codec.

    Each row gets the next global position and the next version of its stream, an id from
    ``new_id``, a time from ``clock`` and ``{"release": row.release}`` as metadata; the
    type name, schema version and payload are written exactly as given (nothing checks
    them: that is what an old, or newer, release of the code did). Returns the positions.
    """
    store = require_store(store)
    checked = require_rows(rows)
    with store.lock:
        conn = store.connection
        head = int(conn.execute("SELECT coalesce(max(position), 0) FROM events").fetchall()[0][0])
        found = conn.execute(
            "SELECT aggregate_id, max(version) FROM events GROUP BY aggregate_id "
            "ORDER BY aggregate_id"
        ).fetchall()
        versions: Counter[UUID] = Counter({aggregate: int(v) for aggregate, v in found})
        values: list[Any] = []
        positions = []
        for offset, row in enumerate(checked, start=1):
            versions[row.aggregate_id] += 1
            at = require_aware("the time clock() returned", clock())
            positions.append(head + offset)
            values += [
                head + offset,
                row.aggregate_id,
                versions[row.aggregate_id],
                new_id(),
                row.event_type,
                row.schema_version,
                json.dumps(dict(row.payload), sort_keys=True),
                json.dumps({"release": row.release}),
                at.astimezone(UTC).replace(tzinfo=None),
            ]
        marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(checked))
        conn.execute(f"INSERT INTO events ({COLUMNS}) VALUES {marks}", values)
    store.refresh()  # the store's remembered head and versions are out of date now
    return tuple(positions)
