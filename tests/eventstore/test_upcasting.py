"""Schema evolution: each upcaster on its own, the event registry, and the store reading rows
written at every schema version the bank ever used.

Old rows are written here with raw SQL, as the code of their time would have written them; the
store must read each of them as today's event, keep the stored row exactly as it was, and name
the row (position, aggregate, version) whenever it cannot.
"""

from __future__ import annotations

import copy
import json
import math
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from backends import Backend
from support import rows

from esbank import (
    AccountClosed,
    AccountOpened,
    Bank,
    BankAccount,
    CloseAccount,
    CorruptEvent,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    MoneyDeposited,
    MoneyWithdrawn,
    OpenAccount,
    SnapshotIgnored,
    StoreError,
    UnknownEventType,
    UnsupportedSchemaVersion,
    WithdrawMoney,
    replay,
)
from esbank.app.snapshots import SNAPSHOT_SCHEMA_VERSION, encode_state
from esbank.domain.events import EVENT_TYPES
from esbank.domain.upcasters import (
    ALIASES,
    UPCASTERS,
    deposited_v1_to_v2,
    deposited_v2_to_v3,
    opened_v1_to_v2,
)
from esbank.eventstore import REGISTRY, EventRegistry, encode
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

A = UUID(int=0xA)
B = UUID(int=0xB)
C = UUID(int=0xC)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AT = "position 7 (aggregate 00000000-0000-0000-0000-00000000000a, version 3)"
CURRENT = {
    "AccountClosed": 1,
    "AccountOpened": 2,
    "MoneyDeposited": 3,
    "MoneyWithdrawn": 1,
}


def without(registry: EventRegistry, event_type: str, from_version: int) -> EventRegistry:
    """A copy of ``registry`` that lacks one step of a chain."""
    upcasters = {k: v for k, v in registry.upcasters.items() if k != (event_type, from_version)}
    return EventRegistry(registry.classes, registry.aliases, upcasters)


# -- raw rows ----------------------------------------------------------------------------------
@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START), new_id=SequentialIds(prefix=0xE))


def put(
    store: SqlStore,
    event_type: str,
    schema_version: int,
    payload: dict[str, Any] | str,
    *,
    aggregate: UUID = A,
    metadata: str | None = None,
) -> int:
    """Write one row as old code wrote it (next position, next version); return its position."""
    position = store.head_position() + 1
    version = store.stream_version(aggregate) + 1
    text = payload if isinstance(payload, str) else json.dumps(payload)
    store.connection.execute(
        "INSERT INTO events (position, aggregate_id, version, event_id, event_type, "
        "schema_version, payload, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            position,
            aggregate,
            version,
            UUID(int=0x01D0000 + position),
            event_type,
            schema_version,
            text,
            metadata,
            START + timedelta(minutes=position),
        ],
    )
    store.refresh()
    return position


def names_the_row(message: str, position: int, version: int, aggregate: UUID = A) -> bool:
    return (
        f"position {position}" in message
        and f"aggregate {aggregate}" in message
        and f"version {version})" in message
    )


# -- the upcasters, one by one -------------------------------------------------------------------
def test_the_story_is_registered_step_by_step() -> None:
    assert ALIASES == {"AccountCreated": "AccountOpened"}
    registered = dict(UPCASTERS)
    assert registered == {
        ("AccountOpened", 1): opened_v1_to_v2,
        ("MoneyDeposited", 1): deposited_v1_to_v2,
        ("MoneyDeposited", 2): deposited_v2_to_v3,
    }
    # every type has a full chain from version 1 to the version the code writes
    for cls in EVENT_TYPES:
        for version in range(1, cls.schema_version):
            assert (cls.event_type, version) in UPCASTERS, (cls.event_type, version)


def test_opened_v1_to_v2_adds_a_zero_initial_balance() -> None:
    assert opened_v1_to_v2({"owner": "Ada"}) == {"owner": "Ada", "initial_balance": 0}


def test_opened_v1_to_v2_keeps_an_initial_balance_already_there() -> None:
    # weak schema: a field the old version did not define is carried along, never overwritten
    assert opened_v1_to_v2({"owner": "Ada", "initial_balance": 5}) == {
        "owner": "Ada",
        "initial_balance": 5,
    }


def test_opened_v1_to_v2_needs_an_owner() -> None:
    with pytest.raises(ValueError, match="AccountOpened v1 payload has no 'owner' field"):
        opened_v1_to_v2({"name": "Ada"})


def test_deposited_v2_to_v3_renames_amount_cents_to_amount() -> None:
    assert deposited_v2_to_v3({"amount_cents": 2510}) == {"amount": 2510}


@pytest.mark.parametrize("value", [-5, 0, 1.5, "5", None, 2**80])
def test_deposited_v2_to_v3_passes_any_value_on_to_the_event_to_judge(value: Any) -> None:
    assert deposited_v2_to_v3({"amount_cents": value}) == {"amount": value}


def test_deposited_v2_to_v3_needs_amount_cents() -> None:
    with pytest.raises(ValueError, match="MoneyDeposited v2 payload has no 'amount_cents'"):
        deposited_v2_to_v3({"amount": 5})


@pytest.mark.parametrize(
    ("euros", "cents"),
    [
        (25.1, 2510),  # 25.1 is 25.0999… as a binary float: read through its decimal text
        (0.29, 29),  # int(0.29 * 100) would be 28
        (19.99, 1999),
        (1.15, 115),  # 1.15 * 100 is 114.99999999999999
        (0.01, 1),
        (1e-2, 1),
        (0.5, 50),
        (1234567.89, 123456789),
        (92233720368547.58, 9223372036854758),
        (1e22, 10**24),
        (0.0, 0),
        (-0.0, 0),
        (100, 10000),
        (0, 0),
        (-5, -500),  # negative and zero pass through: the event refuses them, not the upcaster
        (-12.34, -1234),
        (2**63, 2**63 * 100),
        (10**30 + 1, (10**30 + 1) * 100),  # huge ints stay exact (no 28-digit rounding)
        (1e308, 10**310),
    ],
)
def test_deposited_v1_to_v2_turns_float_euros_into_exact_int_cents(euros: Any, cents: int) -> None:
    result = deposited_v1_to_v2({"amount_eur": euros})
    assert result == {"amount_cents": cents}
    assert type(result["amount_cents"]) is int


@pytest.mark.parametrize(
    ("euros", "why"),
    [
        (0.1 + 0.2, "0.30000000000000004 is not a whole number of cents"),
        (1.1 + 2.2, "is not a whole number of cents"),
        (25.123, "25.123 is not a whole number of cents"),
        (0.001, "is not a whole number of cents"),
        (1e-7, "is not a whole number of cents"),
        (5e-324, "is not a whole number of cents"),
        (math.nan, "nan is not a whole number of cents"),
        (math.inf, "inf is not a whole number of cents"),
        (-math.inf, "is not a whole number of cents"),
        ("25.10", "must be a number, got '25.10'"),
        ("2510", "must be a number"),
        (True, "must be a number, got True"),
        (False, "must be a number, got False"),
        (None, "must be a number, got None"),
        ([25.1], "must be a number"),
        ({"eur": 25.1}, "must be a number"),
    ],
)
def test_deposited_v1_to_v2_refuses_what_is_not_whole_cents(euros: Any, why: str) -> None:
    with pytest.raises(ValueError, match="MoneyDeposited v1 amount_eur") as info:
        deposited_v1_to_v2({"amount_eur": euros})
    assert why in str(info.value)


def test_deposited_v1_to_v2_needs_amount_eur() -> None:
    with pytest.raises(ValueError, match="MoneyDeposited v1 payload has no 'amount_eur'") as info:
        deposited_v1_to_v2({"amount_cents": 2510})
    assert "['amount_cents']" in str(info.value)  # it says which keys were there


UPCASTER_INPUTS: list[tuple[Callable[[dict[str, Any]], dict[str, Any]], dict[str, Any]]] = [
    (opened_v1_to_v2, {"owner": "Ada"}),
    (deposited_v1_to_v2, {"amount_eur": 25.1}),
    (deposited_v2_to_v3, {"amount_cents": 2510}),
]


@pytest.mark.parametrize(("upcaster", "payload"), UPCASTER_INPUTS)
def test_an_upcaster_never_changes_its_input_and_carries_unknown_fields_along(
    upcaster: Callable[[dict[str, Any]], dict[str, Any]], payload: dict[str, Any]
) -> None:
    extra = {"branch": "Dublin", "tags": ["a", {"b": [1, 2]}], "note": None}
    given = {**payload, **extra}
    before = copy.deepcopy(given)
    result = upcaster(given)
    assert given == before  # the input is untouched
    assert result is not given
    for name, value in extra.items():
        assert result[name] == value


# -- the registry ------------------------------------------------------------------------------
TRANSFERS = {  # a transfer's own stream (esbank.domain.transfer): every type at version 1
    name: 1
    for name in (
        "TransferCompleted",
        "TransferCreditRefused",
        "TransferCredited",
        "TransferDebited",
        "TransferRefunded",
        "TransferRequested",
    )
}


def test_current_versions_are_what_the_code_writes() -> None:
    assert REGISTRY.current_versions() == {**CURRENT, **TRANSFERS}
    samples = [AccountOpened("Ada", 5), MoneyDeposited(1), MoneyWithdrawn(1), AccountClosed()]
    assert {type(e) for e in samples} == set(EVENT_TYPES)
    for event in samples:
        assert encode(event)[:2] == (event.event_type, CURRENT[event.event_type])
    # a registry knowing fewer classes reports only those
    only = EventRegistry({"MoneyWithdrawn": MoneyWithdrawn})
    assert only.current_versions() == {"MoneyWithdrawn": 1}


def test_resolve_finds_a_class_by_its_name_and_by_its_old_name() -> None:
    assert REGISTRY.resolve("AccountOpened", AT) is AccountOpened
    assert REGISTRY.resolve("AccountCreated", AT) is AccountOpened
    for cls in EVENT_TYPES:
        assert REGISTRY.resolve(cls.event_type, AT) is cls


@pytest.mark.parametrize("name", ["MoneyTeleported", "accountopened", "", "AccountOpened "])
def test_resolve_refuses_an_unknown_type_and_lists_the_known_ones(name: str) -> None:
    with pytest.raises(UnknownEventType) as info:
        REGISTRY.resolve(name, AT)
    message = str(info.value)
    assert f"unknown event type {name!r} at {AT}" in message
    assert (
        "known types are AccountClosed, AccountCreated, AccountOpened, MoneyDeposited, "
        "MoneyWithdrawn"
    ) in message


def decode(registry: EventRegistry, event_type: str, schema_version: int, payload: Any) -> Any:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return registry.decode(event_type, schema_version, text, position=7, aggregate_id=A, version=3)


@pytest.mark.parametrize(
    ("event_type", "schema_version", "payload", "event"),
    [
        ("AccountCreated", 1, {"owner": "Ada"}, AccountOpened("Ada", 0)),
        ("AccountOpened", 1, {"owner": " Ada "}, AccountOpened("Ada", 0)),
        ("AccountOpened", 2, {"owner": "Ada", "initial_balance": 700}, AccountOpened("Ada", 700)),
        ("MoneyDeposited", 1, {"amount_eur": 25.1}, MoneyDeposited(2510)),
        ("MoneyDeposited", 1, {"amount_eur": 3}, MoneyDeposited(300)),
        ("MoneyDeposited", 2, {"amount_cents": 2510}, MoneyDeposited(2510)),
        ("MoneyDeposited", 3, {"amount": 2510}, MoneyDeposited(2510)),
        ("MoneyWithdrawn", 1, {"amount": 9}, MoneyWithdrawn(9)),
        ("AccountClosed", 1, {}, AccountClosed()),
    ],
)
def test_decode_upcasts_every_stored_version_to_the_current_event(
    event_type: str, schema_version: int, payload: dict[str, Any], event: Any
) -> None:
    assert decode(REGISTRY, event_type, schema_version, payload) == event
    # unknown fields are ignored at every version (weak schema)
    assert decode(REGISTRY, event_type, schema_version, {**payload, "zz_extra": [1]}) == event


@pytest.mark.parametrize(
    ("event_type", "schema_version", "current"),
    [
        ("MoneyDeposited", 4, 3),
        ("AccountOpened", 3, 2),
        ("AccountCreated", 3, 2),
        ("MoneyWithdrawn", 2, 1),
        ("AccountClosed", 2**31 - 1, 1),
    ],
)
def test_a_version_newer_than_the_code_is_unsupported(
    event_type: str, schema_version: int, current: int
) -> None:
    with pytest.raises(UnsupportedSchemaVersion) as info:
        decode(REGISTRY, event_type, schema_version, {"amount": 1, "owner": "Ada"})
    message = str(info.value)
    assert f"at {AT} has schema version {schema_version}, newer than this code" in message
    assert f"reads up to version {current}" in message


@pytest.mark.parametrize("schema_version", [0, -1, -(2**31)])
def test_versions_below_one_are_unsupported(schema_version: int) -> None:
    with pytest.raises(UnsupportedSchemaVersion, match="versions start at 1") as info:
        decode(REGISTRY, "MoneyDeposited", schema_version, {"amount": 1})
    assert AT in str(info.value)


@pytest.mark.parametrize("schema_version", [True, 1.0, "1", None])
def test_a_schema_version_that_is_not_an_int_is_corrupt(schema_version: Any) -> None:
    with pytest.raises(CorruptEvent, match="invalid schema version") as info:
        REGISTRY.upcast(MoneyWithdrawn, schema_version, {"amount": 1}, AT)
    assert AT in str(info.value)


def test_a_missing_step_in_a_chain_is_named() -> None:
    registry = without(REGISTRY, "MoneyDeposited", 2)
    for version, payload in [(1, {"amount_eur": 1.5}), (2, {"amount_cents": 150})]:
        with pytest.raises(UnsupportedSchemaVersion) as info:
            decode(registry, "MoneyDeposited", version, payload)
        message = str(info.value)
        assert f"MoneyDeposited at {AT} has schema version {version}" in message
        assert "no upcaster turns version 2 into 3" in message
    assert decode(registry, "MoneyDeposited", 3, {"amount": 150}) == MoneyDeposited(150)
    first = without(REGISTRY, "MoneyDeposited", 1)
    with pytest.raises(UnsupportedSchemaVersion, match="no upcaster turns version 1 into 2"):
        decode(first, "MoneyDeposited", 1, {"amount_eur": 1.5})
    assert decode(first, "MoneyDeposited", 2, {"amount_cents": 150}) == MoneyDeposited(150)


def test_with_upcaster_returns_a_new_registry_and_leaves_the_default_alone() -> None:
    before = dict(REGISTRY.upcasters)

    def doubled(payload: dict[str, Any]) -> dict[str, Any]:
        return {"amount": payload["amount_cents"] * 2}

    changed = REGISTRY.with_upcaster("MoneyDeposited", 2, doubled)
    assert changed is not REGISTRY
    assert isinstance(changed, EventRegistry)
    assert changed.upcasters[("MoneyDeposited", 2)] is doubled
    assert dict(REGISTRY.upcasters) == before
    assert dict(UPCASTERS) == before
    assert decode(changed, "MoneyDeposited", 2, {"amount_cents": 5}) == MoneyDeposited(10)
    assert decode(REGISTRY, "MoneyDeposited", 2, {"amount_cents": 5}) == MoneyDeposited(5)
    # the other steps and the aliases are kept
    assert decode(changed, "MoneyDeposited", 1, {"amount_eur": 0.05}) == MoneyDeposited(10)
    assert decode(changed, "AccountCreated", 1, {"owner": "Ada"}) == AccountOpened("Ada")


def test_with_upcaster_fills_a_missing_step() -> None:
    gap = without(REGISTRY, "MoneyDeposited", 2)
    fixed = gap.with_upcaster("MoneyDeposited", 2, deposited_v2_to_v3)
    assert decode(fixed, "MoneyDeposited", 1, {"amount_eur": 0.07}) == MoneyDeposited(7)
    with pytest.raises(UnsupportedSchemaVersion):  # the copy it came from still lacks it
        decode(gap, "MoneyDeposited", 1, {"amount_eur": 0.07})


class Oops(Exception):
    pass


@pytest.mark.parametrize(
    ("returned", "name"),
    [([("amount", 5)], "list"), (None, "NoneType"), ('{"amount": 5}', "str"), (5, "int")],
)
def test_an_upcaster_returning_a_non_dict_is_corrupt(returned: Any, name: str) -> None:
    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, lambda _: returned)
    with pytest.raises(CorruptEvent) as info:
        decode(registry, "MoneyDeposited", 2, {"amount_cents": 5})
    message = str(info.value)
    assert f"returned {name}, not a dict" in message
    assert f"MoneyDeposited at {AT} cannot be upcast from version 2" in message


def _raises(exc: Exception) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def upcaster(payload: dict[str, Any]) -> dict[str, Any]:
        raise exc

    return upcaster


@pytest.mark.parametrize(
    "upcaster",
    [
        _raises(ValueError("no amount_cents")),
        lambda p: {"amount": p["cents"]},  # KeyError
        lambda p: {"amount": p["amount_cents"][0]},  # TypeError: int is not subscriptable
        lambda p: {"amount": p["parts"][3]},  # IndexError
        lambda p: {"amount": p["amount_cents"].value},  # AttributeError
        lambda p: {"amount": p["amount_cents"] // 0},  # ZeroDivisionError
    ],
    ids=["ValueError", "KeyError", "TypeError", "IndexError", "AttributeError", "Zero"],
)
def test_an_upcaster_that_cannot_read_the_payload_makes_it_corrupt(
    upcaster: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, upcaster)
    with pytest.raises(CorruptEvent) as info:
        decode(registry, "MoneyDeposited", 2, {"amount_cents": 5, "parts": [1]})
    assert f"MoneyDeposited at {AT} cannot be upcast from version 2" in str(info.value)


def test_an_upcaster_bug_of_another_kind_is_not_disguised_as_corrupt_data() -> None:
    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, _raises(Oops("bug")))
    with pytest.raises(Oops):
        decode(registry, "MoneyDeposited", 2, {"amount_cents": 5})


def test_a_field_missing_after_upcasting_is_named() -> None:
    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, lambda p: {"cents": p["amount_cents"]})
    with pytest.raises(CorruptEvent) as info:
        decode(registry, "MoneyDeposited", 1, {"amount_eur": 1.5})
    message = str(info.value)
    assert f"MoneyDeposited at {AT} is missing field(s) amount" in message
    assert "payload keys after upcasting: ['cents']" in message


def test_the_chain_runs_each_step_once_in_order() -> None:
    seen: list[tuple[int, dict[str, Any]]] = []

    def spy(version: int, step: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
        def run(payload: dict[str, Any]) -> dict[str, Any]:
            seen.append((version, dict(payload)))
            return step(payload)

        return run

    registry = REGISTRY.with_upcaster(
        "MoneyDeposited", 1, spy(1, deposited_v1_to_v2)
    ).with_upcaster("MoneyDeposited", 2, spy(2, deposited_v2_to_v3))
    assert decode(registry, "MoneyDeposited", 1, {"amount_eur": 0.3}) == MoneyDeposited(30)
    assert seen == [(1, {"amount_eur": 0.3}), (2, {"amount_cents": 30})]
    seen.clear()
    assert decode(registry, "MoneyDeposited", 3, {"amount": 30}) == MoneyDeposited(30)
    assert seen == []  # the current version runs no upcaster


# -- the store reads every version -------------------------------------------------------------
OPENED_ROWS = [
    ("AccountCreated", 1, {"owner": "Ada"}),
    ("AccountOpened", 1, {"owner": "Ada"}),
    ("AccountOpened", 2, {"owner": "Ada", "initial_balance": 0}),
]
DEPOSITED_ROWS = [
    ("MoneyDeposited", 1, {"amount_eur": 25.1}),
    ("MoneyDeposited", 2, {"amount_cents": 2510}),
    ("MoneyDeposited", 3, {"amount": 2510}),
]


@pytest.mark.parametrize("opened", OPENED_ROWS, ids=lambda r: f"{r[0]}-v{r[1]}")
@pytest.mark.parametrize("deposited", DEPOSITED_ROWS, ids=lambda r: f"v{r[1]}")
def test_every_stored_version_reads_as_the_same_current_event(
    store: SqlStore, opened: tuple[Any, ...], deposited: tuple[Any, ...]
) -> None:
    put(store, *opened)
    put(store, *deposited)
    expected = [AccountOpened("Ada", 0), MoneyDeposited(2510)]
    for recorded in (store.read_stream(A), store.read_all(), store.read_streams([A])[A]):
        assert [r.event for r in recorded] == expected
        # the recorded event keeps what is stored: the old name and the old version
        assert [(r.event_type, r.schema_version) for r in recorded] == [
            opened[:2],
            deposited[:2],
        ]
    assert Bank(store).load(A) == BankAccount(A, "Ada", 2510, 2, True, False)
    history = Bank(store).history(A)
    assert list(history["event_type"]) == [opened[0], deposited[0]]
    assert list(history["balance"]) == [0, 2510]


@pytest.fixture
def mixed(store: SqlStore) -> SqlStore:
    """A log written over the years: every version of every event, three accounts."""
    put(store, "AccountCreated", 1, {"owner": "Ada"})  # 1  A v1
    put(store, "MoneyDeposited", 1, {"amount_eur": 25.1, "channel": "atm"})  # 2  A v2
    put(store, "AccountOpened", 1, {"owner": " Bob "}, aggregate=B)  # 3  B v1
    put(store, "MoneyDeposited", 2, {"amount_cents": 1990})  # 4  A v3
    put(store, "MoneyDeposited", 1, {"amount_eur": 0.29}, aggregate=B)  # 5  B v2
    put(store, "MoneyDeposited", 3, {"amount": 100}, metadata='{"command": "x"}')  # 6  A v4
    put(store, "MoneyWithdrawn", 1, {"amount": 600})  # 7  A v5
    put(store, "AccountOpened", 2, {"owner": "Cy", "initial_balance": 500}, aggregate=C)  # 8
    put(store, "MoneyWithdrawn", 1, {"amount": 29}, aggregate=B)  # 9  B v3
    put(store, "AccountClosed", 1, {}, aggregate=B)  # 10 B v4
    return store


MIXED_A = [
    AccountOpened("Ada", 0),
    MoneyDeposited(2510),
    MoneyDeposited(1990),
    MoneyDeposited(100),
    MoneyWithdrawn(600),
]
MIXED_B = [AccountOpened("Bob", 0), MoneyDeposited(29), MoneyWithdrawn(29), AccountClosed()]


def test_a_mixed_log_reads_as_todays_events(mixed: SqlStore) -> None:
    assert [r.event for r in mixed.read_stream(A)] == MIXED_A
    assert [r.event for r in mixed.read_stream(B)] == MIXED_B
    assert [r.event for r in mixed.read_stream(C)] == [AccountOpened("Cy", 500)]
    everything = mixed.read_all()
    assert [r.position for r in everything] == list(range(1, 11))
    assert [(r.event_type, r.schema_version) for r in everything] == [
        ("AccountCreated", 1),
        ("MoneyDeposited", 1),
        ("AccountOpened", 1),
        ("MoneyDeposited", 2),
        ("MoneyDeposited", 1),
        ("MoneyDeposited", 3),
        ("MoneyWithdrawn", 1),
        ("AccountOpened", 2),
        ("MoneyWithdrawn", 1),
        ("AccountClosed", 1),
    ]
    assert everything[5].metadata == {"command": "x"}
    bank = Bank(mixed)
    assert bank.load(A) == BankAccount(A, "Ada", 4000, 5, True, False)
    assert bank.load(B) == BankAccount(B, "Bob", 0, 4, False, True)
    for version in range(1, 6):
        assert bank.load(A, as_of_version=version) == replay(MIXED_A[:version], account_id=A)
    # time travel by instant works on old rows too (recorded_at of position 4 is START + 4 min)
    assert bank.load(A, as_of=START + timedelta(minutes=4)).balance == 2510 + 1990


def test_reading_never_rewrites_a_stored_row(mixed: SqlStore) -> None:
    before = rows(mixed)
    mixed.read_stream(A)
    mixed.read_all()
    mixed.read_streams([A, B, C])
    bank = Bank(mixed)
    bank.load(A)
    bank.load(B, as_of_version=2)
    bank.history(C)
    assert rows(mixed) == before
    # commands append new rows after the old ones and leave the old ones as they were
    bank.handle(DepositMoney(A, 5))
    bank.handle(WithdrawMoney(C, 500))
    bank.handle(CloseAccount(C))
    after = rows(mixed)
    assert after[: len(before)] == before
    assert [row[0] for row in after] == list(range(1, len(before) + 4))
    assert bank.load(A).balance == 4005


def test_new_writes_are_always_at_the_current_version(mixed: SqlStore) -> None:
    head = mixed.head_position()
    bank = Bank(mixed, new_id=SequentialIds(prefix=0xD))
    bank.handle(DepositMoney(A, 7))
    bank.handle(WithdrawMoney(A, 7))
    opened = bank.open_account("Dee", 300).aggregate_id
    bank.handle_batch([DepositMoney(opened, 1), WithdrawMoney(opened, 301), CloseAccount(opened)])
    bank.handle(OpenAccount(UUID(int=0xE1), "Eve"))
    written = mixed.connection.execute(
        "SELECT event_type, schema_version, payload FROM events WHERE position > ? "
        "ORDER BY position",
        [head],
    ).fetchall()
    assert {t for t, _, _ in written} == set(CURRENT)  # every type was written
    for event_type, schema_version, payload in written:
        assert schema_version == CURRENT[event_type], (event_type, schema_version)
        assert set(json.loads(payload)) <= {"owner", "initial_balance", "amount"}
    # the old rows keep their versions
    old = mixed.connection.execute(
        "SELECT schema_version FROM events WHERE position <= ? ORDER BY position", [head]
    ).fetchall()
    assert [v for (v,) in old] == [1, 1, 1, 2, 1, 3, 1, 2, 1, 1]


def test_a_store_appending_to_an_old_stream_continues_its_versions(
    mixed: SqlStore,
) -> None:
    result = mixed.append(A, [MoneyDeposited(1)], expected_version=5)
    assert (result.new_version, result.positions) == (6, (11,))
    last = mixed.read_stream(A)[-1]
    assert (last.event_type, last.schema_version, last.event) == (
        "MoneyDeposited",
        3,
        MoneyDeposited(1),
    )


# -- errors name the row --------------------------------------------------------------------------
BAD_ROWS = [
    (
        "missing owner in v1",
        ("AccountOpened", 1, {"name": "Ada"}),
        CorruptEvent,
        ["cannot be upcast from version 1", "no 'owner' field"],
    ),
    (
        "not whole cents",
        ("MoneyDeposited", 1, {"amount_eur": 25.123}),
        CorruptEvent,
        ["cannot be upcast from version 1", "25.123 is not a whole number of cents"],
    ),
    (
        "float noise",
        ("MoneyDeposited", 1, {"amount_eur": 0.1 + 0.2}),
        CorruptEvent,
        ["0.30000000000000004 is not a whole number of cents"],
    ),
    (
        "string euros",
        ("MoneyDeposited", 1, {"amount_eur": "25.10"}),
        CorruptEvent,
        ["must be a number"],
    ),
    (
        "negative euros",
        ("MoneyDeposited", 1, {"amount_eur": -5}),
        CorruptEvent,
        ["holds an invalid value", "must be positive, got -500"],
    ),
    (
        "euros beyond int64",
        ("MoneyDeposited", 1, {"amount_eur": 10**17}),
        CorruptEvent,
        ["holds an invalid value", f"got {10**19}"],
    ),
    (
        "v2 without amount_cents",
        ("MoneyDeposited", 2, {"amount": 5}),
        CorruptEvent,
        ["cannot be upcast from version 2", "no 'amount_cents' field"],
    ),
    (
        "v3 float amount",
        ("MoneyDeposited", 3, {"amount": 25.1}),
        CorruptEvent,
        ["holds an invalid value"],
    ),
    (
        "v2 missing field",
        ("AccountOpened", 2, {"initial_balance": 0}),
        CorruptEvent,
        ["is missing field(s) owner", "payload keys after upcasting: ['initial_balance']"],
    ),
    (
        "unknown type",
        ("MoneyTeleported", 1, {"amount": 5}),
        UnknownEventType,
        ["unknown event type 'MoneyTeleported'", "AccountCreated"],
    ),
    (
        "newer version",
        ("MoneyDeposited", 4, {"amount": 5}),
        UnsupportedSchemaVersion,
        ["schema version 4, newer than this code", "reads up to version 3"],
    ),
    (
        "newer version of an alias",
        ("AccountCreated", 9, {"owner": "Ada"}),
        UnsupportedSchemaVersion,
        ["AccountOpened", "schema version 9, newer than this code"],
    ),
    (
        "version zero",
        ("MoneyWithdrawn", 0, {"amount": 5}),
        UnsupportedSchemaVersion,
        ["schema version 0; versions start at 1"],
    ),
]


# DuckDB's JSON column keeps these as written; PostgreSQL's JSONB refuses NaN and holds 1e400
# as an exact number (which then reads as an int far beyond int64, another refusal).
DUCKDB_JSON_ROWS = [
    (
        "NaN euros",
        ("MoneyDeposited", 1, '{"amount_eur": NaN}'),
        CorruptEvent,
        ["nan is not a whole number of cents"],
    ),
    (
        "overflowing euros",
        ("MoneyDeposited", 1, '{"amount_eur": 1e400}'),
        CorruptEvent,
        ["inf is not a whole number of cents"],
    ),
]


@pytest.mark.parametrize(
    ("row", "error", "fragments"), [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS]
)
def test_a_row_that_cannot_be_read_raises_a_typed_error_naming_it(
    store: SqlStore, row: tuple[Any, ...], error: type[StoreError], fragments: list[str]
) -> None:
    assert_unreadable_row_is_named(store, row, error, fragments)


@pytest.mark.only_duckdb("JSON text that PostgreSQL's JSONB does not keep as written")
@pytest.mark.parametrize(
    ("row", "error", "fragments"),
    [b[1:] for b in DUCKDB_JSON_ROWS],
    ids=[b[0] for b in DUCKDB_JSON_ROWS],
)
def test_a_json_oddity_that_cannot_be_read_raises_a_typed_error_naming_it(
    store: SqlStore, row: tuple[Any, ...], error: type[StoreError], fragments: list[str]
) -> None:
    assert_unreadable_row_is_named(store, row, error, fragments)


def assert_unreadable_row_is_named(
    store: SqlStore, row: tuple[Any, ...], error: type[StoreError], fragments: list[str]
) -> None:
    put(store, "AccountCreated", 1, {"owner": "Ada"})
    put(store, "MoneyDeposited", 1, {"amount_eur": 1.0})
    put(store, "AccountOpened", 1, {"owner": "Bob"}, aggregate=B)
    position = put(store, *row)  # position 4, stream A version 3
    before = rows(store)
    bank = Bank(store)
    for read in (
        lambda: store.read_stream(A),
        lambda: store.read_stream(A, from_version=3),
        lambda: store.read_all(),
        lambda: store.read_all(after_position=3),
        lambda: store.read_streams([B, A]),
        lambda: bank.load(A),
        lambda: bank.handle(DepositMoney(A, 1)),
    ):
        with pytest.raises(error) as info:
            read()
        message = str(info.value)
        assert names_the_row(message, position=position, version=3), message
        for fragment in fragments:
            assert fragment in message, (fragment, message)
    # what comes before the bad row is still readable, and nothing was written
    assert [r.position for r in store.read_all(limit=3)] == [1, 2, 3]
    assert bank.load(A, as_of_version=2).balance == 100
    assert bank.load(B) == BankAccount(B, "Bob", 0, 1, True, False)
    assert rows(store) == before


# -- a store with its own registry -----------------------------------------------------------------
def test_a_store_without_a_step_refuses_the_rows_that_need_it(
    backend: Backend, store: SqlStore
) -> None:
    put(store, "AccountOpened", 2, {"owner": "Ada", "initial_balance": 0})
    put(store, "MoneyDeposited", 3, {"amount": 1})
    put(store, "MoneyDeposited", 2, {"amount_cents": 2})
    registry = without(REGISTRY, "MoneyDeposited", 2)
    with backend.fresh(registry=registry) as strict:
        for row in rows(store):
            strict.connection.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row)
            )
        assert strict.registry is registry
        assert [r.event for r in strict.read_stream(A, to_version=2)] == [
            AccountOpened("Ada"),
            MoneyDeposited(1),
        ]
        for read in (
            lambda: strict.read_stream(A),
            lambda: strict.read_all(),
            lambda: Bank(strict).load(A),
        ):
            with pytest.raises(UnsupportedSchemaVersion) as info:
                read()
            message = str(info.value)
            assert "no upcaster turns version 2 into 3" in message
            assert names_the_row(message, position=3, version=3)
        # the default registry still reads the same rows
        assert Bank(store).load(A).balance == 3


def test_a_store_names_a_field_missing_after_upcasting(backend: Backend, store: SqlStore) -> None:
    registry = REGISTRY.with_upcaster("AccountOpened", 1, lambda p: {"holder": p["owner"]})
    put(store, "AccountCreated", 1, {"owner": "Ada"})
    with backend.fresh(registry=registry) as other:
        for row in rows(store):
            other.connection.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row)
            )
        for read in (lambda: other.read_stream(A), lambda: Bank(other).load(A)):
            with pytest.raises(CorruptEvent) as info:
                read()
            message = str(info.value)
            assert "AccountOpened at position 1" in message
            assert names_the_row(message, position=1, version=1)
            assert "is missing field(s) owner, initial_balance" in message
            assert "payload keys after upcasting: ['holder']" in message


def test_a_store_takes_only_an_event_registry() -> None:
    with pytest.raises(InvalidArgument, match="registry must be an EventRegistry, got dict"):
        DuckDBEventStore(registry={"MoneyDeposited": MoneyDeposited})  # type: ignore[arg-type]


def test_a_store_with_an_extra_upcaster_reads_through_it(backend: Backend, store: SqlStore) -> None:
    # e.g. a correction: v1 deposits of one branch were recorded in cents by mistake
    def branch_fix(payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("branch") == "Cork":
            return {**payload, "amount_eur": payload["amount_eur"] / 100}
        return payload

    def fixed_v1(payload: dict[str, Any]) -> dict[str, Any]:
        return deposited_v1_to_v2(branch_fix(payload))

    registry = REGISTRY.with_upcaster("MoneyDeposited", 1, fixed_v1)
    put(store, "AccountCreated", 1, {"owner": "Ada"})
    put(store, "MoneyDeposited", 1, {"amount_eur": 250, "branch": "Cork"})
    put(store, "MoneyDeposited", 1, {"amount_eur": 2.5, "branch": "Dublin"})
    with backend.fresh(registry=registry) as fixed:
        for row in rows(store):
            fixed.connection.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row)
            )
        assert [r.event for r in fixed.read_all()][1:] == [MoneyDeposited(250)] * 2
    assert [r.event for r in store.read_all()][1:] == [MoneyDeposited(25000), MoneyDeposited(250)]


# -- snapshots -------------------------------------------------------------------------------------
def test_a_snapshot_of_another_schema_version_is_rebuilt_from_old_events(
    mixed: SqlStore,
) -> None:
    plain = Bank(mixed)
    expected = {v: plain.load(A, as_of_version=v) for v in range(1, 6)}
    bank = Bank(mixed, snapshot_every=2)
    snapshots = bank.snapshots
    assert snapshots is not None
    stale = expected[4]
    snapshots.save(A, 4, SNAPSHOT_SCHEMA_VERSION + 1, encode_state(stale))
    before = rows(mixed)
    with pytest.warns(SnapshotIgnored, match=f"schema version {SNAPSHOT_SCHEMA_VERSION + 1}"):
        assert bank.load(A) == expected[5]
    # it was replaced by a trusted one, rebuilt from the (upcast) events
    stored = snapshots.latest(A)
    assert stored is not None
    assert (stored.version, stored.schema_version) == (5, SNAPSHOT_SCHEMA_VERSION)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SnapshotIgnored)
        state, report = bank.load_with_report(A)
        assert state == expected[5]
        assert (report.snapshot_version, report.events_replayed) == (5, 0)
        for version, state in expected.items():
            assert bank.load(A, as_of_version=version) == state
    assert rows(mixed) == before  # no event row was touched


def test_snapshots_taken_over_old_rows_give_the_same_loads(mixed: SqlStore) -> None:
    plain = Bank(mixed)
    bank = Bank(mixed, snapshot_every=2)
    assert bank.rebuild_snapshots(A) == [2, 4]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SnapshotIgnored)
        for version in range(1, 6):
            assert bank.load(A, as_of_version=version) == plain.load(A, as_of_version=version)
        bank.handle(DepositMoney(A, 10))
        assert bank.load(A) == plain.load(A)
        assert bank.load(A).balance == 4010
