"""The exercise check of notebook 05: the ``MoneyDeposited`` v2 → v3 upcaster.

The answer is called on payloads first (rename, unknown fields carried along, input left
alone, a payload without ``amount_cents`` refused); then plugged into
``REGISTRY.with_upcaster("MoneyDeposited", 2, upcaster)`` to read stored v1, v2 and v3
deposits, which must give the same events as the real chain.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from uuid import UUID

from esbank.domain.events import AccountOpened, Event, MoneyDeposited
from esbank.eventstore.codec import REGISTRY
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import CorruptEvent, StoreError
from esbank.teach.determinism import SequentialIds, StepClock, memory_store
from esbank.teach.grading import Mistake, call, failed, first_mistake, passed
from esbank.teach.legacy_rows import LegacyRow, write_rows

Upcaster = Callable[[dict[str, Any]], Any]

UPCASTER_CASES: tuple[tuple[dict[str, Any], dict[str, Any], str], ...] = (
    (
        {"amount_cents": 2510},
        {"amount": 2510},
        "rename amount_cents to amount: the value stays the same int number of cents.",
    ),
    (
        {"amount_cents": 300, "channel": "mobile"},
        {"amount": 300, "channel": "mobile"},
        "weak schema: a field this step does not know (channel) is carried along unchanged.",
    ),
    (
        {"note": "salary", "amount_cents": 150_000, "amount_hint": 1},
        {"note": "salary", "amount": 150_000, "amount_hint": 1},
        "every other field is carried along, whatever its name.",
    ),
)
STORED_ROWS: tuple[tuple[int, dict[str, Any], str, Event], ...] = (
    (1, {"owner": "Ada"}, "AccountOpened", AccountOpened("Ada", 0)),
    (1, {"amount_eur": 25.1}, "MoneyDeposited", MoneyDeposited(2510)),
    (2, {"amount_cents": 4000}, "MoneyDeposited", MoneyDeposited(4000)),
    (3, {"amount": 700}, "MoneyDeposited", MoneyDeposited(700)),
    (2, {"amount_cents": 300, "channel": "mobile"}, "MoneyDeposited", MoneyDeposited(300)),
)
"""Rows of one account as stored (version, payload, type) and the event each must read as."""
ACCOUNT = UUID(int=0x5E)
BROKEN_ACCOUNT = UUID(int=0x5F)


def _upcaster_call(
    upcaster: Upcaster, case: tuple[dict[str, Any], dict[str, Any], str]
) -> Mistake | None:
    """Call the answer on one case's payload: why it is wrong, or None."""
    given, expected, hint = copy.deepcopy(case)
    before = copy.deepcopy(given)
    shown = f"deposited_v2_to_v3({before!r})"
    got, error = call(upcaster, given)
    if error is not None:
        return f"{shown} raised {type(error).__name__}: {error}", hint
    if given != before:
        return (
            f"{shown} changed its input to {given!r}.",
            "never modify the payload you are given (the same stored row is read again and "
            "again, and the chain shows each step): build a new dict, e.g. "
            "{k: v for k, v in payload.items() if k != ...}.",
        )
    if not isinstance(got, dict):
        return (
            f"{shown} returned {got!r} ({type(got).__name__}).",
            "return the v3 payload, a new dict.",
        )
    if "amount_cents" in got:
        return (
            f"{shown} returned {got!r}, which still has amount_cents.",
            "a rename removes the old name: leave amount_cents out of the new dict, or the v3 "
            "payload has two names for one fact (and SQL or a later step may read the stale one).",
        )
    dropped = [k for k in before if k != "amount_cents" and k not in got]
    if dropped:
        return (
            f"{shown} returned {got!r}: it dropped {', '.join(map(repr, dropped))}.",
            "weak schema: carry every field you do not know along unchanged; a newer writer "
            "may have added it, and an upcaster is no place to lose data.",
        )
    if got != expected:
        return f"{shown} returned {got!r}, expected {expected!r}.", hint
    return None


def _payload_mistake(upcaster: Upcaster) -> Mistake | None:
    """The answer called by hand: the first wrong case, or a guess where it should refuse.

    ``NotImplementedError`` goes through: the caller says the answer is still a stub.
    """
    for case in UPCASTER_CASES:
        wrong = _upcaster_call(upcaster, case)
        if wrong is not None:
            return wrong
    broken = {"cents": 5}
    got, error = call(upcaster, dict(broken))
    if isinstance(error, ValueError):
        return None
    if error is not None:
        return (
            f"deposited_v2_to_v3({broken!r}) raised {type(error).__name__}: {error}; the "
            "task asks for a ValueError naming the missing field.",
            "check for the field before using it (`if 'amount_cents' not in payload: raise "
            "ValueError(...)`): payload['amount_cents'] raises KeyError, an accident rather "
            "than a refusal that says what is wrong.",
        )
    return (
        f"deposited_v2_to_v3({broken!r}) returned {got!r}, but that payload has no "
        "amount_cents to rename.",
        "refuse a payload you cannot upcast: raise ValueError naming the missing "
        "field (the store turns it into a CorruptEvent that names the stored row), "
        "instead of guessing a value.",
    )


def _read_mistake(store: DuckDBEventStore) -> Mistake | None:
    """The stored rows read through the answer's step: the first wrong event, or None."""
    try:
        read = [r.event for r in store.read_stream(ACCOUNT)]
    except StoreError as exc:
        return (
            f"reading deposits through your step raised {type(exc).__name__}: {exc}",
            "v1 rows reach your step after deposited_v1_to_v2, as {'amount_cents': 2510}; "
            "return {'amount': 2510} for it.",
        )
    for (version, payload, _, expected), got in zip(STORED_ROWS, read, strict=True):
        if got != expected:
            return (
                f"the row stored as MoneyDeposited v{version} {payload} was read as "
                f"{got!r}, expected {expected!r}.",
                "the chain is v1 → v2 (esbank's step) → v3 (your step); v3 rows skip both.",
            )
    return None


def _refusal(store: DuckDBEventStore) -> Mistake | str:
    """A stored v2 row without ``amount_cents`` read through the answer's step: the store's
    refusal (its text), or why the answer let it through."""
    write_rows(
        store,
        [LegacyRow(BROKEN_ACCOUNT, "MoneyDeposited", 2, {"cents": 5}, "check")],
        clock=StepClock(),
        new_id=SequentialIds(prefix=0x5D),
    )
    try:
        store.read_stream(BROKEN_ACCOUNT)
    except CorruptEvent as exc:
        return str(exc)
    except Exception as exc:
        return (
            f"reading a v2 row without amount_cents raised {type(exc).__name__}: {exc}",
            "raise ValueError for a payload you cannot upcast; the store turns it into a "
            "CorruptEvent naming the row.",
        )
    return (
        "a stored v2 row without amount_cents was read without an error.",
        "raise ValueError when amount_cents is missing.",
    )


def _through_the_store(upcaster: Upcaster) -> Mistake | str:
    """The answer plugged into the registry of a store holding :data:`STORED_ROWS`: why it
    reads them wrong, or the store's refusal of a broken row."""
    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, upcaster)
    store = memory_store(0x5, registry=registry)
    try:
        write_rows(
            store,
            [LegacyRow(ACCOUNT, t, v, p, "check") for v, p, t, _ in STORED_ROWS],
            clock=StepClock(),
            new_id=SequentialIds(prefix=0x5C),
        )
        return _read_mistake(store) or _refusal(store)
    finally:
        store.close()


def check_deposited_v2_to_v3(upcaster: Upcaster | None) -> bool:
    """Notebook 05, exercise 1: the MoneyDeposited v2 → v3 upcaster, by hand and in a store."""
    wrong = first_mistake(
        "deposited_v2_to_v3",
        upcaster,
        _payload_mistake,
        stub_hint="replace the raise: return a new dict with every field except amount_cents, "
        "plus amount set to the value of amount_cents.",
    )
    if wrong is not None:
        return wrong
    found = _through_the_store(upcaster)
    if not isinstance(found, str):
        return failed(*found)
    return passed(
        "deposited_v2_to_v3 renames amount_cents to amount, carries unknown fields along and "
        "leaves its input alone. Plugged into the registry it reads v1, v2 and v3 deposits as "
        f"the same events, and a broken v2 row is refused: {found}"
    )
