"""The codec: a domain event to a stored row (type, schema version, JSON payload) and back.

Decoding never guesses: an unknown type, an unreadable payload or a schema version this code
cannot read raises a typed ``StoreError`` that names where the row is.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from uuid import UUID

from esbank.domain.errors import DomainError
from esbank.domain.events import EVENT_TYPES, Event
from esbank.eventstore.errors import CorruptEvent, UnknownEventType, UnsupportedSchemaVersion

EVENT_CLASSES: dict[str, type[Event]] = {cls.event_type: cls for cls in EVENT_TYPES}


def encode(event: Event) -> tuple[str, int, str]:
    """Return ``(event_type, schema_version, payload_json)`` for a domain event."""
    payload = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    return event.event_type, event.schema_version, json.dumps(payload, sort_keys=True)


def where(position: int, aggregate_id: UUID, version: int) -> str:
    """Name a stored row for an error message."""
    return f"position {position} (aggregate {aggregate_id}, version {version})"


def decode(
    event_type: str,
    schema_version: int,
    payload: str,
    *,
    position: int,
    aggregate_id: UUID,
    version: int,
) -> Event:
    """Turn a stored row back into its domain event, or raise a typed ``StoreError``."""
    at = where(position, aggregate_id, version)
    cls = EVENT_CLASSES.get(event_type)
    if cls is None:
        known = ", ".join(sorted(EVENT_CLASSES))
        raise UnknownEventType(
            f"unknown event type {event_type!r} at {at}; known types are {known}. "
            "Register the type (or an alias) before reading this store"
        )
    if schema_version != cls.schema_version:
        raise UnsupportedSchemaVersion(
            f"{event_type} at {at} has schema version {schema_version}, but this code reads "
            f"version {cls.schema_version} only; upgrade esbank or register an upcaster"
        )
    try:
        data = json.loads(payload)
    except (TypeError, ValueError) as exc:
        raise CorruptEvent(f"payload of {event_type} at {at} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CorruptEvent(
            f"payload of {event_type} at {at} must be a JSON object, got {type(data).__name__}"
        )
    return _build(cls, data, at)


def _build(cls: type[Event], data: dict[str, Any], at: str) -> Event:
    names = [f.name for f in dataclasses.fields(cls)]
    missing = [n for n in names if n not in data]
    if missing:
        raise CorruptEvent(
            f"{cls.event_type} at {at} is missing field(s) {', '.join(missing)}; "
            f"stored payload keys: {sorted(data)}"
        )
    # Weak schema: fields this version does not know are tolerated and ignored.
    try:
        return cls(**{n: data[n] for n in names})
    except DomainError as exc:
        raise CorruptEvent(f"{cls.event_type} at {at} holds an invalid value: {exc}") from None
