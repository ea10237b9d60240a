"""How the bank's events changed over time, as pure functions from one payload to the next.

A stored event is a fact and is never rewritten. When the shape of an event changes, the new
code keeps reading the old rows by *upcasting* them on the way in: each function here takes
the payload of one schema version (a dict) and returns the payload of the next version. The
event store chains them lazily on every read.

The history told here:

- ``AccountOpened`` v1 had only ``owner``: accounts always opened empty. v2 added
  ``initial_balance``; the stated default for old rows is 0. Before v1 was released the event
  was called ``AccountCreated``; that old name is an alias.
- ``MoneyDeposited`` v1 stored ``amount_eur`` as a float number of euros (the prototype's
  mistake). v2 stored ``amount_cents`` as an int; v3 renamed it to ``amount``, the name the
  other events use.

An upcaster never changes its input, carries fields it does not know along unchanged (weak
schema), and raises ``ValueError`` when a payload cannot be upcast; the store reports that as
a ``CorruptEvent`` naming the row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

# Old event type names that still appear in stored rows -> the current name.
ALIASES: dict[str, str] = {"AccountCreated": "AccountOpened"}


def _field(payload: Payload, name: str, event: str) -> Any:
    if name not in payload:
        raise ValueError(f"{event} payload has no {name!r} field (keys: {sorted(payload)})")
    return payload[name]


def opened_v1_to_v2(payload: Payload) -> Payload:
    """AccountOpened v1 → v2: add ``initial_balance``, 0 for accounts opened before v2."""
    _field(payload, "owner", "AccountOpened v1")
    return {**payload, "initial_balance": payload.get("initial_balance", 0)}


def deposited_v1_to_v2(payload: Payload) -> Payload:
    """MoneyDeposited v1 → v2: float euros ``amount_eur`` → int cents ``amount_cents``.

    The float is read through its shortest decimal text (``25.1`` is 25.10, not
    25.0999…); a value that is not a whole number of cents cannot be upcast.
    """
    euros = _field(payload, "amount_eur", "MoneyDeposited v1")
    if isinstance(euros, bool) or not isinstance(euros, int | float):
        raise ValueError(f"MoneyDeposited v1 amount_eur must be a number, got {euros!r}")
    rest = {k: v for k, v in payload.items() if k != "amount_eur"}
    if isinstance(euros, int):  # exact as it is (Decimal arithmetic rounds past 28 digits)
        return {**rest, "amount_cents": euros * 100}
    try:
        cents = Decimal(repr(euros)) * 100
    except InvalidOperation:
        raise ValueError(f"MoneyDeposited v1 amount_eur {euros!r} is not a number") from None
    if not cents.is_finite() or cents != cents.to_integral_value():
        raise ValueError(f"MoneyDeposited v1 amount_eur {euros!r} is not a whole number of cents")
    return {**rest, "amount_cents": int(cents)}


def deposited_v2_to_v3(payload: Payload) -> Payload:
    """MoneyDeposited v2 → v3: rename ``amount_cents`` to ``amount``."""
    cents = _field(payload, "amount_cents", "MoneyDeposited v2")
    rest = {k: v for k, v in payload.items() if k != "amount_cents"}
    return {**rest, "amount": cents}


# (event type, from version) -> the function that returns the payload of version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("AccountOpened", 1): opened_v1_to_v2,
    ("MoneyDeposited", 1): deposited_v1_to_v2,
    ("MoneyDeposited", 2): deposited_v2_to_v3,
}
