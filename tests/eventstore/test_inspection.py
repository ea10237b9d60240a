"""Raw-row inspection (esbank.eventstore.inspection): a stored row beside the event the code
reads, each upcaster step from EventRegistry.upcast_steps, and the rows counted per shape."""

from __future__ import annotations

from typing import Any

import pytest

from esbank import (
    REGISTRY,
    CorruptEvent,
    DuckDBEventStore,
    InvalidArgument,
    UnknownEventType,
    UnsupportedSchemaVersion,
)
from esbank.eventstore.inspection import (
    inspect_row,
    raw_and_upcast,
    schema_version_counts,
    side_by_side,
    upcast_steps,
)
from esbank.teach import SequentialIds, StepClock
from esbank.teach.determinism import memory_store
from esbank.teach.legacy_rows import LegacyRow, write_rows
from esbank.teach.schema import LEGACY_ACCOUNTS, write_legacy_history

BO = LEGACY_ACCOUNTS["Bo"]


@pytest.fixture
def legacy() -> DuckDBEventStore:
    store = memory_store()
    write_legacy_history(store)
    return store


# -- the chain, step by step ----------------------------------------------------------------------
def test_upcast_steps_lists_each_version() -> None:
    assert upcast_steps(REGISTRY, "MoneyDeposited", 1, {"amount_eur": 25.1}) == [
        (1, {"amount_eur": 25.1}),
        (2, {"amount_cents": 2510}),
        (3, {"amount": 2510}),
    ]
    assert upcast_steps(REGISTRY, "AccountCreated", 1, {"owner": "Ada"}) == [
        (1, {"owner": "Ada"}),
        (2, {"owner": "Ada", "initial_balance": 0}),
    ]
    assert upcast_steps(REGISTRY, "MoneyWithdrawn", 1, {"amount": 5}) == [(1, {"amount": 5})]


def test_upcast_steps_carries_unknown_fields_and_leaves_its_input_alone() -> None:
    payload = {"amount_eur": 0.5, "channel": "atm"}
    steps = upcast_steps(REGISTRY, "MoneyDeposited", 1, payload)
    assert steps[-1] == (3, {"amount": 50, "channel": "atm"})
    assert payload == {"amount_eur": 0.5, "channel": "atm"}


@pytest.mark.parametrize(
    ("event_type", "version", "payload", "error", "message"),
    [
        ("MoneyDeposited", 1, {"amount_eur": 10.005}, CorruptEvent, "whole number of cents"),
        ("MoneyDeposited", 4, {"amount": 5}, UnsupportedSchemaVersion, "newer than this code"),
        ("InterestPaid", 1, {"amount": 5}, UnknownEventType, "known types are"),
    ],
)
def test_upcast_steps_raises_the_stores_own_errors(
    event_type: str, version: int, payload: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        upcast_steps(REGISTRY, event_type, version, payload, at="the notebook")
    assert "the notebook" in str(caught.value)


def test_raw_and_upcast_puts_the_stored_row_beside_the_event(legacy: DuckDBEventStore) -> None:
    frame = raw_and_upcast(legacy, 1)
    assert list(frame.index) == ["event_type", "schema_version", "payload", "event"]
    stored, read = frame.columns
    assert frame[stored].tolist() == ["AccountCreated", 1, '{"owner": "Ada"}', ""]
    assert frame[read].tolist() == [
        "AccountOpened",
        2,
        '{"initial_balance": 0, "owner": "Ada"}',
        "AccountOpened(owner='Ada', initial_balance=0)",
    ]
    with pytest.raises(InvalidArgument, match="positions 1 to 10"):
        raw_and_upcast(legacy, 99)


def test_a_row_that_cannot_be_read_shows_its_error(legacy: DuckDBEventStore) -> None:
    write_rows(
        legacy,
        [LegacyRow(BO, "MoneyDeposited", 1, {"amount_eur": 10.005}, "1.0")],
        clock=StepClock(),
        new_id=SequentialIds(prefix=0xBAD),
    )
    view = inspect_row(legacy, 11)
    assert view.event is None and isinstance(view.error, CorruptEvent)
    assert "position 11" in str(view.error) and "whole number of cents" in str(view.error)
    assert view.steps == ((1, {"amount_eur": 10.005}),)
    assert "CorruptEvent: " in raw_and_upcast(legacy, 11).iloc[3, 1]
    table = side_by_side(legacy, names=LEGACY_ACCOUNTS)
    assert table["account"].tolist()[:4] == ["Ada", "Ada", "Ada", "Bo"]
    assert table["read_as"].iloc[-1].startswith("CorruptEvent: MoneyDeposited at position 11")
    assert table["read_as"].iloc[1] == "MoneyDeposited(amount=2510)"


def test_schema_version_counts(legacy: DuckDBEventStore) -> None:
    counts = schema_version_counts(legacy)
    assert counts.values.tolist() == [
        ["AccountCreated", 1, 1, False],
        ["AccountOpened", 1, 1, False],
        ["AccountOpened", 2, 1, True],
        ["MoneyDeposited", 1, 3, False],
        ["MoneyDeposited", 2, 2, False],
        ["MoneyWithdrawn", 1, 2, True],
    ]


def test_registry_upcast_steps_yields_each_step_and_upcast_is_its_last() -> None:
    cls = REGISTRY.resolve("MoneyDeposited", "here")
    steps = list(REGISTRY.upcast_steps(cls, 1, {"amount_eur": 25.1}, "here"))
    assert steps == [(1, 2, {"amount_cents": 2510}), (2, 3, {"amount": 2510})]
    assert REGISTRY.upcast(cls, 1, {"amount_eur": 25.1}, "here") == steps[-1][2]
    assert list(REGISTRY.upcast_steps(cls, 3, {"amount": 5}, "here")) == []
    assert REGISTRY.upcast(cls, 3, {"amount": 5}, "here") == {"amount": 5}


@pytest.mark.parametrize(
    ("version", "error", "message"),
    [
        (True, CorruptEvent, "invalid schema version True"),
        (0, UnsupportedSchemaVersion, "versions start at 1"),
        (4, UnsupportedSchemaVersion, "newer than this code"),
    ],
)
def test_registry_upcast_steps_refuses_before_the_first_step(
    version: Any, error: type[Exception], message: str
) -> None:
    cls = REGISTRY.resolve("MoneyDeposited", "here")
    with pytest.raises(error, match=message):
        next(REGISTRY.upcast_steps(cls, version, {"amount": 5}, "here"))


def test_registry_upcast_steps_yields_the_steps_before_a_broken_one() -> None:
    def broken(payload: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("amount_cents")

    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, broken)
    cls = registry.resolve("MoneyDeposited", "here")
    steps = registry.upcast_steps(cls, 1, {"amount_eur": 1.5}, "here")
    assert next(steps) == (1, 2, {"amount_cents": 150})
    with pytest.raises(CorruptEvent, match="cannot be upcast from version 2"):
        next(steps)
    row = LegacyRow(BO, "MoneyDeposited", 1, {"amount_eur": 1.5}, "x")
    store = memory_store(registry=registry)
    write_rows(store, [row], clock=StepClock(), new_id=SequentialIds(prefix=0xB))
    view = inspect_row(store, 1)
    assert view.steps == ((1, {"amount_eur": 1.5}), (2, {"amount_cents": 150}))
    assert isinstance(view.error, CorruptEvent) and view.event is None
