"""One way to check the arguments of a public function (private to esbank; pure, stdlib only).

Every layer calls these instead of restating ``isinstance(value, bool) or not isinstance(value,
int)``: the messages stay the same everywhere, and an error always says what was expected and
what arrived. Each returns the value it accepted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from esbank.domain.errors import InvalidArgument

INT64_MAX = 2**63 - 1
AWARE_EXAMPLE = "e.g. datetime(2026, 1, 5, 9, 30, tzinfo=UTC)"

F = TypeVar("F", bound=Callable[..., Any])


def is_int(value: Any) -> bool:
    """True for an ``int`` that is not a ``bool`` (``True`` is an int to Python, not to us)."""
    return isinstance(value, int) and not isinstance(value, bool)


def require_int(
    name: str,
    value: Any,
    *,
    minimum: int = 0,
    maximum: int = INT64_MAX,
    error: type[InvalidArgument] = InvalidArgument,
) -> int:
    """``value`` if it is an int in ``minimum..maximum`` (at most 2⁶³−1 by default)."""
    if not is_int(value) or value < minimum:
        raise error(f"{name} must be an int >= {minimum}, got {value!r}")
    if value > maximum:
        raise error(f"{name} must be an int from {minimum} to {maximum}, got {value!r}")
    return int(value)


def require_optional_int(
    name: str, value: Any, *, minimum: int = 0, maximum: int = INT64_MAX
) -> int | None:
    """``None``, or ``value`` checked by :func:`require_int`."""
    return None if value is None else require_int(name, value, minimum=minimum, maximum=maximum)


def require_seconds(name: str, value: Any, *, maximum: float = 3600.0) -> float:
    """A finite number of seconds in ``0..maximum`` (``nan`` and ``inf`` are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{name} must be a number of seconds >= 0, got {value!r}")
    if not math.isfinite(value) or not 0 <= value <= maximum:
        raise InvalidArgument(
            f"{name} must be a finite number of seconds from 0 to {maximum:g}, got {value!r}"
        )
    return float(value)


def require_aware(
    name: str, value: Any, *, error: type[InvalidArgument] = InvalidArgument
) -> datetime:
    """``value`` if it is a timezone-aware ``datetime``."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise error(f"{name} must be a timezone-aware datetime, got {value!r}; {AWARE_EXAMPLE}")
    return value


def require_optional_aware(name: str, value: Any) -> datetime | None:
    """``None``, or ``value`` checked by :func:`require_aware`."""
    return None if value is None else require_aware(name, value)


def require_uuid(name: str, value: Any, *, error: type[InvalidArgument] = InvalidArgument) -> UUID:
    """``value`` if it is a ``uuid.UUID``."""
    if not isinstance(value, UUID):
        raise error(
            f"{name} must be a uuid.UUID, got {type(value).__name__}; "
            "wrap text ids with uuid.UUID('...')"
        )
    return value


def require_callable(name: str, value: F, *, returning: str) -> F:
    """``value`` if it can be called (``returning`` says what the call should give)."""
    if not callable(value):
        raise InvalidArgument(
            f"{name} must be a callable returning {returning}, got {type(value).__name__}"
        )
    return value
