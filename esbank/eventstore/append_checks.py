"""What an append must be given, checked before anything is written (pure; no database).

Every refusal is an ``InvalidAppend`` that names the argument and what to pass instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from esbank.domain.arguments import is_int
from esbank.domain.catalog import STORED_EVENT_TYPES as EVENT_TYPES
from esbank.domain.catalog import StoredEvent
from esbank.eventstore.errors import InvalidAppend
from esbank.eventstore.types import ExpectedVersion


def version_matches(expected: int | ExpectedVersion, current: int) -> bool:
    """Whether a stream at version ``current`` satisfies ``expected``."""
    if expected is ExpectedVersion.ANY:
        return True
    if expected is ExpectedVersion.NO_STREAM:
        return current == 0
    if expected is ExpectedVersion.STREAM_EXISTS:
        return current > 0
    return current == expected


def check_events(events: Any) -> list[StoredEvent]:
    """A non-empty list of domain events."""
    if isinstance(events, EVENT_TYPES):
        raise InvalidAppend("events must be a list of events; wrap a single event as [event]")
    if isinstance(events, str | bytes | Mapping) or not isinstance(events, Sequence):
        raise InvalidAppend(f"events must be a list of events, got {type(events).__name__}")
    if not events:
        raise InvalidAppend("nothing to append: events is empty; pass at least one event")
    for i, event in enumerate(events):
        if not isinstance(event, EVENT_TYPES):
            names = ", ".join(t.__name__ for t in EVENT_TYPES)
            raise InvalidAppend(f"events[{i}] is a {type(event).__name__}, not one of {names}")
    return list(events)


def check_expected(expected: Any) -> None:
    """An exact version (an int >= 0) or one of the ``ExpectedVersion`` modes."""
    if isinstance(expected, ExpectedVersion):
        return
    if not is_int(expected) or not 0 <= expected < 2**63:
        raise InvalidAppend(
            f"expected_version must be an int >= 0 (0 = no events yet) or one of ANY, "
            f"NO_STREAM, STREAM_EXISTS; got {expected!r}"
        )


def check_event_ids(event_ids: Any, count: int) -> list[UUID] | None:
    """``None`` (the store makes ids), or one distinct ``uuid.UUID`` per event."""
    if event_ids is None:
        return None
    if isinstance(event_ids, str | bytes) or not isinstance(event_ids, Sequence):
        raise InvalidAppend(
            f"event_ids must be a list of uuid.UUID, got {type(event_ids).__name__}"
        )
    ids = list(event_ids)
    if len(ids) != count:
        raise InvalidAppend(f"event_ids has {len(ids)} ids for {count} events; give one id each")
    for i, event_id in enumerate(ids):
        if not isinstance(event_id, UUID):
            raise InvalidAppend(
                f"event_ids[{i}] must be a uuid.UUID, got {type(event_id).__name__}"
            )
    if len(set(ids)) != len(ids):
        raise InvalidAppend("event_ids repeats an id; every event needs its own id")
    return ids


def check_metadata(metadata: Any) -> str | None:
    """The metadata as JSON text (keys sorted), or ``None``."""
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping) or not all(isinstance(k, str) for k in metadata):
        raise InvalidAppend("metadata must be a dict with str keys, e.g. {'command_id': '...'}")
    try:
        text = json.dumps(dict(metadata), sort_keys=True, allow_nan=False, default=_json_default)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidAppend(f"metadata must be JSON-serialisable: {exc}") from None
    if "\\ud" in text:  # a UTF-16 escape: fine for real text, not for a lone surrogate
        try:
            json.dumps(dict(metadata), ensure_ascii=False, default=_json_default).encode()
        except UnicodeEncodeError:
            raise InvalidAppend(
                "metadata must be JSON-serialisable: a str in it holds a lone surrogate "
                "(half of a UTF-16 pair), which is not text and no JSON column stores"
            ) from None
    return text


def _json_default(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")
