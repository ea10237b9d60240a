"""The codec: a domain event to a stored row (type, schema version, JSON payload) and back.

Decoding never guesses. An old name resolves through an alias, an old schema version is
upcast step by step to the current one (lazily, on every read; the stored row never changes),
fields this code does not know are ignored (weak schema), and anything else (an unknown type,
a version newer than the code, a payload that cannot be read or upcast) raises a typed
``StoreError`` that names the row.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from uuid import UUID

from esbank.domain.catalog import STORED_EVENT_TYPES, StoredEvent
from esbank.domain.errors import DomainError
from esbank.domain.events import Event
from esbank.domain.upcasters import ALIASES, UPCASTERS, Payload, Upcaster
from esbank.eventstore.errors import CorruptEvent, UnknownEventType, UnsupportedSchemaVersion


def where(position: int, aggregate_id: UUID, version: int) -> str:
    """Name a stored row for an error message."""
    return f"position {position} (aggregate {aggregate_id}, version {version})"


def encode(event: StoredEvent) -> tuple[str, int, str]:
    """Return ``(event_type, schema_version, payload_json)``: always the current version.

    Ids (``uuid.UUID`` fields) are stored as their text."""
    payload = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    for name in uuid_fields(type(event)):
        payload[name] = str(payload[name])
    return event.event_type, event.schema_version, json.dumps(payload, sort_keys=True)


@cache
def uuid_fields(cls: type[StoredEvent]) -> frozenset[str]:
    """The names of ``cls``'s fields that hold a ``uuid.UUID`` (stored as text)."""
    return frozenset(f.name for f in dataclasses.fields(cls) if f.type in ("UUID", UUID))


def from_fields(cls: type[StoredEvent], data: Payload) -> StoredEvent:
    """The event of ``cls`` built from exactly its fields in ``data`` (ids given as text);
    raises ``DomainError`` or ``ValueError`` when a value is not valid for it."""
    values = {f.name: data[f.name] for f in dataclasses.fields(cls)}
    for name in uuid_fields(cls):
        if not isinstance(values[name], str):
            raise ValueError(f"{name} must be an id as text, got {values[name]!r}")
        values[name] = UUID(values[name])
    return cls(**values)


@dataclass(frozen=True)
class EventRegistry:
    """The event types a store can read: classes, old names, and upcasters between versions."""

    classes: Mapping[str, type[Event]]
    aliases: Mapping[str, str] = field(default_factory=dict)
    upcasters: Mapping[tuple[str, int], Upcaster] = field(default_factory=dict)

    def with_upcaster(
        self, event_type: str, from_version: int, upcaster: Upcaster
    ) -> EventRegistry:
        """A copy of this registry in which ``upcaster`` turns ``from_version`` into the next."""
        return dataclasses.replace(
            self, upcasters={**self.upcasters, (event_type, from_version): upcaster}
        )

    def current_versions(self) -> dict[str, int]:
        """Each event type's current schema version (what the code writes)."""
        return {name: cls.schema_version for name, cls in sorted(self.classes.items())}

    def resolve(self, event_type: str, at: str) -> type[Event]:
        """The class for a stored type name (through an alias if it is an old name)."""
        cls = self.classes.get(self.aliases.get(event_type, event_type))
        if cls is None:
            known = ", ".join(sorted([*self.classes, *self.aliases]))
            raise UnknownEventType(
                f"unknown event type {event_type!r} at {at}; known types are {known}. "
                "Register the type (or an alias for an old name) before reading this store"
            )
        return cls

    def upcast_steps(
        self, cls: type[Event], schema_version: int, payload: Payload, at: str
    ) -> Iterator[tuple[int, int, Payload]]:
        """Each step of the chain from ``schema_version`` to the class's current version.

        Yields ``(from_version, to_version, payload)`` with the payload one upcaster made, as
        soon as it is made; raises the store's typed error (naming ``at``) where the chain
        cannot go on. A payload already at the current version yields nothing.
        """
        name, current = cls.event_type, cls.schema_version
        if isinstance(schema_version, bool) or not isinstance(schema_version, int):
            raise CorruptEvent(f"{name} at {at} has an invalid schema version {schema_version!r}")
        if schema_version < 1:
            raise UnsupportedSchemaVersion(
                f"{name} at {at} has schema version {schema_version}; versions start at 1"
            )
        if schema_version > current:
            raise UnsupportedSchemaVersion(
                f"{name} at {at} has schema version {schema_version}, newer than this code "
                f"(it reads up to version {current}); upgrade esbank before reading this store"
            )
        for version in range(schema_version, current):
            step = self.upcasters.get((name, version))
            if step is None:
                raise UnsupportedSchemaVersion(
                    f"{name} at {at} has schema version {schema_version}, and no upcaster "
                    f"turns version {version} into {version + 1}; register one"
                )
            try:
                payload = step(payload)
            except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError) as exc:
                raise CorruptEvent(
                    f"{name} at {at} cannot be upcast from version {version}: {exc}"
                ) from None
            if not isinstance(payload, dict):
                raise CorruptEvent(
                    f"{name} at {at} cannot be upcast from version {version}: its upcaster "
                    f"returned {type(payload).__name__}, not a dict"
                )
            yield version, version + 1, payload

    def upcast(self, cls: type[Event], schema_version: int, payload: Payload, at: str) -> Payload:
        """Run the chain of upcasters from ``schema_version`` to the class's current version."""
        for _, _, upcast in self.upcast_steps(cls, schema_version, payload, at):
            payload = upcast
        return payload

    def decode(
        self,
        event_type: str,
        schema_version: int,
        payload: str,
        *,
        position: int,
        aggregate_id: UUID,
        version: int,
    ) -> Event:
        """Turn a stored row back into its current domain event, or raise a ``StoreError``."""
        at = where(position, aggregate_id, version)
        cls = self.resolve(event_type, at)
        return _build(cls, self.upcast(cls, schema_version, parse_payload(payload, at), at), at)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        twice = sorted({k for k, _ in pairs if k in seen or seen.add(k)})
        raise ValueError(f"duplicate key(s) {', '.join(map(repr, twice))}")
    return data


# A JSON object that names a key twice has no one meaning (Python keeps the last value, DuckDB's
# JSON functions the first), so a reader refuses it rather than pick one.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)


def parse_payload(payload: str, at: str) -> Payload:
    """The stored JSON payload as a dict, or ``CorruptEvent``."""
    try:
        data = _DECODER.decode(payload)
    except (TypeError, ValueError, RecursionError) as exc:
        raise CorruptEvent(f"payload at {at} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CorruptEvent(f"payload at {at} must be a JSON object, got {type(data).__name__}")
    return data


def _build(cls: type[Event], data: Payload, at: str) -> Event:
    names = [f.name for f in dataclasses.fields(cls)]
    missing = [n for n in names if n not in data]
    if missing:
        raise CorruptEvent(
            f"{cls.event_type} at {at} is missing field(s) {', '.join(missing)}; "
            f"payload keys after upcasting: {sorted(data)}"
        )
    # Weak schema: fields this version does not know are tolerated and ignored.
    try:
        return from_fields(cls, data)
    except (DomainError, ValueError) as exc:
        raise CorruptEvent(f"{cls.event_type} at {at} holds an invalid value: {exc}") from None


REGISTRY = EventRegistry(
    classes={cls.event_type: cls for cls in STORED_EVENT_TYPES},
    aliases=ALIASES,
    upcasters=UPCASTERS,
)
EVENT_CLASSES = REGISTRY.classes
decode = REGISTRY.decode
