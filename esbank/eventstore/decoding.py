"""Decoding stored rows in bulk: columns in, ``RecordedEvent`` objects out, fast and exact.

A backend hands over the rows of a read as columns (numbers as numbers, ids as two 64-bit
halves, times as microseconds since the epoch). Most rows hold a payload exactly as this code
writes it, at the current schema version: one whole-number field (``{"amount": 2500}``) or
none (``{}``). Such a payload is recognised by its text and its event built directly, without
parsing JSON or checking the value again beyond its range; equal payloads are read once per
read. A current payload with text fields is parsed and built through the event's own checks.
Every other row (an older schema version, an unknown type, extra or missing fields, odd
spacing, a value out of range, JSON that is not an object …) is decoded the exact way, through
the ``EventRegistry``: it is upcast, or refused with the same typed error naming its row.
"""

from __future__ import annotations

import dataclasses
import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import UUID, SafeUUID

import numpy as np
import pandas as pd

from esbank.domain.errors import EsbankError
from esbank.domain.events import Event
from esbank.domain.money import INT64_MAX
from esbank.eventstore.codec import EventRegistry, from_fields, parse_payload, where
from esbank.eventstore.errors import CorruptEvent
from esbank.eventstore.types import RecordedEvent

# Whole-number fields a payload's text may carry on the fast path: field -> lowest value
# (the domain's own ranges: amounts 1..2⁶³−1, balances 0..2⁶³−1).
INT_FIELDS: dict[str, int] = {"amount": 1, "initial_balance": 0}

_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown  # (an enum member's lookup costs more than the rest of fast_uuid)
_record = partial(tuple.__new__, RecordedEvent)
Parser = Callable[[str], Event | None]


def fast_uuid(value: int) -> UUID:
    """``uuid.UUID(int=value)`` without its argument checks (the value came from a UUID)."""
    u = _new(UUID)
    _set(u, "int", value)
    _set(u, "is_safe", _UNKNOWN)
    return u


def uuid_ints(high: np.ndarray, low: np.ndarray) -> list[int]:
    """128-bit UUID values from their two unsigned 64-bit halves."""
    return [(h << 64) | lo for h, lo in zip(high.tolist(), low.tolist(), strict=True)]


def _parser(cls: type[Event]) -> Parser:
    """A quick reader of the payload text this code writes for ``cls``."""
    fields = [f.name for f in dataclasses.fields(cls)]
    if not fields:
        empty = cls()
        return lambda text: empty if text == "{}" else None
    if len(fields) != 1 or fields[0] not in INT_FIELDS:
        return _json_parser(cls, fields)
    name, low = fields[0], INT_FIELDS[fields[0]]
    spaced, compact = f'{{"{name}": ', f'{{"{name}":'

    def parse(text: str) -> Event | None:
        if text.startswith(spaced):
            digits = text[len(spaced) : -1]
        elif text.startswith(compact):
            digits = text[len(compact) : -1]
        else:
            return None
        if not (text[-1] == "}" and digits.isascii() and digits.isdigit()):
            return None
        if digits[0] == "0" and len(digits) > 1:  # not JSON: let the exact path say so
            return None
        value = int(digits)
        if not low <= value <= INT64_MAX:
            return None
        event = _new(cls)
        _set(event, name, value)
        return event

    return parse


def _json_parser(cls: type[Event], fields: list[str]) -> Parser:
    """For events with text fields: parse the JSON, and build the event through its own
    checks when the payload holds exactly its fields (anything else: the exact path)."""
    wanted = set(fields)

    def parse(text: str) -> Event | None:
        try:
            data = parse_payload(text, "")
            if data.keys() != wanted:
                return None
            return from_fields(cls, data)
        except (EsbankError, TypeError, ValueError):
            return None

    return parse


def parsers(registry: EventRegistry) -> dict[tuple[str, int], Parser]:
    """The fast readers by (stored type name, current schema version)."""
    return {(name, cls.schema_version): _parser(cls) for name, cls in registry.classes.items()}


@dataclass(slots=True)
class Columns:
    """The columns of one read, in the order the rows were read.

    ``aggregate`` is one id for a single-stream read, else one per row; ``metadata`` holds the
    JSON text, and ``no_metadata`` says where it was NULL.
    """

    position: np.ndarray
    version: np.ndarray
    event_type: np.ndarray
    schema_version: np.ndarray
    aggregate: UUID | list[UUID]
    event_id_high: np.ndarray
    event_id_low: np.ndarray
    at_us: np.ndarray
    metadata: np.ndarray
    no_metadata: np.ndarray
    payload: np.ndarray

    def take(self, rows: list[int]) -> Columns:
        """The columns of the rows at these indexes only."""
        agg = self.aggregate
        return Columns(
            position=self.position[rows],
            version=self.version[rows],
            event_type=self.event_type[rows],
            schema_version=self.schema_version[rows],
            aggregate=[agg[i] for i in rows] if isinstance(agg, list) else agg,
            event_id_high=self.event_id_high[rows],
            event_id_low=self.event_id_low[rows],
            at_us=self.at_us[rows],
            metadata=self.metadata[rows],
            no_metadata=self.no_metadata[rows],
            payload=self.payload[rows],
        )


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a read builds its objects.

    A read builds millions of tuples and dicts, none of them in a cycle; the collector would
    walk them again and again as they are made (measured: half the time of a large read).
    Reference counting still frees everything; the collector is restored as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def recorded_events(columns: Columns, registry: EventRegistry) -> list[RecordedEvent]:
    """Every row of ``columns`` as a ``RecordedEvent``, in order."""
    with _no_cycle_collection():
        return _recorded_events(columns, registry)


def _recorded_events(columns: Columns, registry: EventRegistry) -> list[RecordedEvent]:
    n = len(columns.position)
    positions, versions = columns.position.tolist(), columns.version.tolist()
    types, schemas = columns.event_type.tolist(), columns.schema_version.tolist()
    agg = columns.aggregate
    aggregates = agg if isinstance(agg, list) else [agg] * n
    events = decode_events(
        types, schemas, columns.payload.tolist(), positions, versions, aggregates, registry
    )
    times = pd.to_datetime(columns.at_us, unit="us", utc=True).to_pydatetime().tolist()
    metadata = _metadata(columns, positions, aggregates, versions)
    ids = list(map(fast_uuid, uuid_ints(columns.event_id_high, columns.event_id_low)))
    rows = zip(
        positions, aggregates, versions, ids, types, schemas, events, metadata, times, strict=True
    )
    return list(map(_record, rows))


def decode_events(
    types: list[str],
    schemas: list[int],
    payloads: list[str],
    positions: list[int],
    versions: list[int],
    aggregates: Sequence[UUID],
    registry: EventRegistry,
) -> list[Event]:
    """Each row's domain event: read from its text where it is one this code writes, else
    decoded the exact way (upcast, or a typed error naming the row)."""
    with _no_cycle_collection():
        events = _events(types, schemas, payloads, registry)
        if None in events:
            for i, event in enumerate(events):
                if event is None:
                    events[i] = registry.decode(
                        types[i],
                        schemas[i],
                        payloads[i],
                        position=positions[i],
                        aggregate_id=aggregates[i],
                        version=versions[i],
                    )
    return events  # type: ignore[return-value]


def _events(
    types: list[str], schemas: list[int], payloads: list[str], registry: EventRegistry
) -> list[Event | None]:
    """Each row's event where its payload text is one this code writes, else None.

    An event is a value: equal text (of one type and version) is the same event, so each
    distinct payload is read once per read (most payloads repeat: amounts, closes).
    """
    fast = parsers(registry)
    seen: dict[tuple[str, int, str], Event | None] = {}
    events: list[Event | None] = []
    for key in zip(types, schemas, payloads, strict=True):
        if key in seen:
            events.append(seen[key])
            continue
        parse = fast.get(key[:2])
        event = seen[key] = parse(key[2]) if parse is not None else None
        events.append(event)
    return events


def _metadata(
    columns: Columns, positions: list[int], aggregates: Sequence[UUID], versions: list[int]
) -> list[dict[str, Any]]:
    """Each row's metadata as its own dict (equal texts are parsed once)."""
    parsed: dict[str, dict[str, Any]] = {}
    out = []
    for i, (text, absent) in enumerate(
        zip(columns.metadata.tolist(), columns.no_metadata.tolist(), strict=True)
    ):
        if absent:
            out.append({})
            continue
        data = parsed.get(text)
        if data is None:
            try:
                value = json.loads(text)
            except ValueError as exc:
                at = where(positions[i], aggregates[i], versions[i])
                raise CorruptEvent(f"metadata at {at} is not valid JSON: {exc}") from None
            data = value if isinstance(value, dict) else {"value": value}
            if not all(isinstance(v, str | int | float | bool | None) for v in data.values()):
                out.append(data)  # nested values: this row's own parse, shared with no one
                continue
            parsed[text] = data
        out.append(dict(data))  # a flat dict: a copy is a whole copy
    return out


def first_break(numbers: Sequence[int], start: int) -> int | None:
    """The index of the first number that breaks ``start, start+1, …`` (None if none does)."""
    if list(numbers) == list(range(start, start + len(numbers))):
        return None
    return next(i for i, number in enumerate(numbers) if number != start + i)


# The event fields a log frame has a column for (None where an event has no such field).
FIELD_COLUMNS = ("owner", "initial_balance", "amount")


class LazyIds(Sequence[UUID]):
    """Aggregate ids as text, made ``uuid.UUID`` only when one is asked for (an error)."""

    def __init__(self, texts: list[str]) -> None:
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, i: Any) -> Any:
        return UUID(self._texts[i])


def log_frame(
    data: dict[str, np.ndarray], registry: EventRegistry, after_position: int
) -> pd.DataFrame:
    """Rows read as ``position, aggregate_id`` (text)``, version, event_type, schema_version,
    recorded_at, payload`` as one DataFrame of decoded events: ``event`` is the current type
    name (``event_type`` stays as stored), and the payload is replaced by one column per name
    in ``FIELD_COLUMNS``. The rows must follow ``after_position`` without a gap
    (``CorruptEvent`` otherwise)."""
    positions, versions = data["position"].tolist(), data["version"].tolist()
    aggregates = data["aggregate_id"].tolist()
    gap = first_break(positions, after_position + 1)
    if gap is not None:
        at = where(positions[gap], UUID(aggregates[gap]), versions[gap])
        raise CorruptEvent(
            f"the global log has a gap: position {after_position + 1 + gap} is missing "
            f"before {at}; the log was edited outside the store"
        )
    events = decode_events(
        data["event_type"].tolist(),
        data["schema_version"].tolist(),
        data["payload"].tolist(),
        positions,
        versions,
        LazyIds(aggregates),
        registry,
    )
    frame = pd.DataFrame(
        {
            "position": data["position"],
            "aggregate_id": aggregates,
            "version": data["version"],
            "recorded_at": pd.to_datetime(data["recorded_at"], utc=True),
            "event_type": data["event_type"],
            "event": [e.event_type for e in events],
        }
    )
    for name in FIELD_COLUMNS:
        values = [getattr(e, name, None) for e in events]
        # Whole-number fields as nullable int64: exact to 2⁶³−1 (inferred, None makes floats).
        frame[name] = values if name == "owner" else pd.array(values, dtype="Int64")
    return frame
