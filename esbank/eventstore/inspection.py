"""Raw-row inspection: a stored row of the ``events`` table beside the event the code reads.

Pure reads, for seeing schema evolution at work. :func:`stored_rows` gives the rows as they are
stored (the JSON text is never rewritten); :func:`inspect_row` puts one row beside its payload
at every schema version on the way to the current one and the event decoded from it;
:func:`upcast_steps` does the same for a payload given by hand; :func:`raw_and_upcast` and
:func:`side_by_side` show it as tables; :func:`schema_version_counts` counts the stored rows
per (type, schema version). The upcaster chain itself is :meth:`EventRegistry.upcast_steps`:
nothing here restates it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pandas as pd

from esbank.domain.arguments import is_int
from esbank.domain.errors import InvalidArgument
from esbank.domain.events import Event
from esbank.domain.upcasters import Payload
from esbank.eventstore.codec import EventRegistry, parse_payload, where
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import StoreError

ROW_COLUMNS = "position, aggregate_id, version, event_type, schema_version, payload"
SIDE_BY_SIDE_COLUMNS = [
    "position",
    "account",
    "version",
    "stored_type",
    "schema_version",
    "stored_payload",
    "read_as",
]


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One row of the ``events`` table as stored: the JSON text is never rewritten."""

    position: int
    aggregate_id: UUID
    version: int
    event_type: str
    schema_version: int
    payload: str


@dataclass(frozen=True, slots=True)
class RowView:
    """A stored row, its payload at each schema version, and what the store reads from it.

    ``steps`` starts with the stored payload; each further entry is one upcaster's output.
    ``event`` is the decoded current event, or None and ``error`` says why (the store's
    own typed error, naming the row).
    """

    row: StoredRow
    current_type: str | None
    current_version: int | None
    steps: tuple[tuple[int, Payload], ...]
    event: Event | None
    error: StoreError | None


def require_store(store: object) -> DuckDBEventStore:
    """``store`` if it is a ``DuckDBEventStore`` (the rows are read with SQL)."""
    if not isinstance(store, DuckDBEventStore):
        raise InvalidArgument(f"store must be a DuckDBEventStore, got {type(store).__name__}")
    return store


def stored_rows(store: DuckDBEventStore) -> list[StoredRow]:
    """Every row of the store's ``events`` table as stored, in global order."""
    store = require_store(store)
    found = store.sql(f"SELECT {ROW_COLUMNS} FROM events ORDER BY position")
    return [StoredRow(*row) for row in found]


def stored_row(store: DuckDBEventStore, position: int) -> StoredRow:
    """The row stored at ``position``, as stored."""
    store = require_store(store)
    if not is_int(position):
        raise InvalidArgument(f"position must be an int, got {position!r}")
    found = store.sql(
        f"SELECT {ROW_COLUMNS} FROM events WHERE position = ? ORDER BY position", [position]
    )
    if not found:
        head = store.head_position()
        raise InvalidArgument(
            f"no stored event at position {position}; the log holds positions 1 to {head}"
        )
    return StoredRow(*found[0])


def _chain(
    registry: EventRegistry, cls: type[Event], schema_version: int, payload: Payload, at: str
) -> tuple[list[tuple[int, Payload]], StoreError | None]:
    """``payload`` and the output of each upcaster step, each copied as soon as it is made (a
    step may change its input), up to where the chain breaks, and the error it broke with."""
    steps: list[tuple[int, Payload]] = [(schema_version, copy.deepcopy(payload))]
    try:
        for _, version, upcast in registry.upcast_steps(cls, schema_version, payload, at):
            steps.append((version, copy.deepcopy(upcast)))
    except StoreError as exc:
        return steps, exc
    return steps, None


def upcast_steps(
    registry: EventRegistry,
    event_type: str,
    schema_version: int,
    payload: Mapping[str, Any],
    *,
    at: str = "a payload given by hand",
) -> list[tuple[int, Payload]]:
    """``payload`` at each schema version from ``schema_version`` to the current one.

    The first entry is the payload as given; each next one is the output of one upcaster.
    ``event_type`` may be an old name (an alias). A payload the chain cannot upcast raises
    the store's own error (``UnknownEventType``, ``UnsupportedSchemaVersion`` or
    ``CorruptEvent``), with ``at`` naming where it came from.
    """
    if not isinstance(registry, EventRegistry):
        raise InvalidArgument(f"registry must be an EventRegistry, got {type(registry).__name__}")
    if not isinstance(payload, Mapping):
        raise InvalidArgument(f"payload must be a dict, got {type(payload).__name__}")
    cls = registry.resolve(event_type, at)
    steps, error = _chain(registry, cls, schema_version, copy.deepcopy(dict(payload)), at)
    if error is not None:
        raise error
    return steps


def inspect_row(
    store: DuckDBEventStore, position: int, *, registry: EventRegistry | None = None
) -> RowView:
    """The stored row at ``position`` beside what ``registry`` (default: the store's) reads."""
    row = stored_row(store, position)
    registry = registry or store.registry
    at = where(row.position, row.aggregate_id, row.version)
    cls: type[Event] | None = None
    steps: list[tuple[int, Payload]] = []
    event: Event | None = None
    error: StoreError | None = None
    try:
        cls = registry.resolve(row.event_type, at)
        steps, error = _chain(registry, cls, row.schema_version, parse_payload(row.payload, at), at)
        if error is None:
            event = registry.decode(
                row.event_type,
                row.schema_version,
                row.payload,
                position=row.position,
                aggregate_id=row.aggregate_id,
                version=row.version,
            )
    except StoreError as exc:
        error = exc
    return RowView(
        row=row,
        current_type=cls.event_type if cls else None,
        current_version=cls.schema_version if cls else None,
        steps=tuple(steps),
        event=event,
        error=error,
    )


def payload_json(payload: Payload) -> str:
    """A payload as JSON text with sorted keys (how the store writes it)."""
    return json.dumps(payload, sort_keys=True)


def error_text(error: StoreError) -> str:
    """An error as one line: its type and its message."""
    return f"{type(error).__name__}: {error}"


def raw_and_upcast(
    store: DuckDBEventStore, position: int, *, registry: EventRegistry | None = None
) -> pd.DataFrame:
    """The stored row at ``position`` (left) beside what the code reads from it (right)."""
    view = inspect_row(store, position, registry=registry)
    read_payload = payload_json(view.steps[-1][1]) if view.steps and view.event else "—"
    read_event = repr(view.event) if view.event is not None else "—"
    if view.error is not None:
        read_event = error_text(view.error)
    return pd.DataFrame(
        {
            "stored row (never rewritten)": [
                view.row.event_type,
                view.row.schema_version,
                view.row.payload,
                "",
            ],
            "read by this code": [
                view.current_type or "—",
                view.current_version if view.current_version is not None else "—",
                read_payload,
                read_event,
            ],
        },
        index=pd.Index(["event_type", "schema_version", "payload", "event"]),
    )


def stream_names(names: Mapping[str, UUID] | None) -> dict[UUID, str]:
    """Turn ``names`` (owner → account id) into labels by account id."""
    if names is None:
        return {}
    if not isinstance(names, Mapping) or not all(isinstance(v, UUID) for v in names.values()):
        raise InvalidArgument("names must map owner names to account ids, e.g. LEGACY_ACCOUNTS")
    return {account: owner for owner, account in names.items()}


def stream_name(aggregate_id: UUID, owners: Mapping[UUID, str]) -> str:
    """The owner's name for a stream, or its id when it has none."""
    return owners.get(aggregate_id, str(aggregate_id))


def side_by_side(
    store: DuckDBEventStore,
    *,
    names: Mapping[str, UUID] | None = None,
    registry: EventRegistry | None = None,
) -> pd.DataFrame:
    """One row per stored event: the type, version and JSON as stored, and the event read.

    ``names`` (owner → account id) labels the streams; a row that cannot be read shows the
    store's error instead of an event.
    """
    owners = stream_names(names)
    rows = []
    for stored in stored_rows(store):
        view = inspect_row(store, stored.position, registry=registry)
        read = repr(view.event) if view.error is None else error_text(view.error)
        rows.append(
            (
                stored.position,
                stream_name(stored.aggregate_id, owners),
                stored.version,
                stored.event_type,
                stored.schema_version,
                stored.payload,
                read,
            )
        )
    return pd.DataFrame(rows, columns=SIDE_BY_SIDE_COLUMNS)


def schema_version_counts(
    store: DuckDBEventStore, *, registry: EventRegistry | None = None
) -> pd.DataFrame:
    """How many stored rows each (type, schema version) has, and whether it is the current
    shape: columns ``event_type``, ``schema_version``, ``rows``, ``current``."""
    store = require_store(store)
    registry = registry or store.registry
    frame = store.query(
        "SELECT event_type, schema_version, CAST(count(*) AS BIGINT) AS rows FROM events "
        "GROUP BY event_type, schema_version ORDER BY event_type, schema_version"
    )
    current = registry.current_versions()
    frame["current"] = [
        current.get(name) == version
        for name, version in zip(frame["event_type"], frame["schema_version"], strict=True)
    ]
    return frame
