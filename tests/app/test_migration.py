"""Offline copy-and-transform migration: ``migrate(source, target)`` and ``copy_in``.

The source is a log written over the years at every schema version (raw SQL, as the code of
the time wrote it). The target must read the same, event for event and load for load, with
every row rewritten at today's versions, and the source must stay exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from support import rows

from esbank import (
    AccountClosed,
    AccountOpened,
    Bank,
    CloseAccount,
    CorruptEvent,
    DepositMoney,
    DuckDBEventStore,
    InvalidAppend,
    InvalidArgument,
    MoneyDeposited,
    MoneyWithdrawn,
    RecordedEvent,
    WithdrawMoney,
)
from esbank.app.migration import MigrationReport, migrate
from esbank.eventstore import REGISTRY, encode
from esbank.teach import SequentialIds, StepClock

A = UUID(int=0xA)
B = UUID(int=0xB)
C = UUID(int=0xC)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
CURRENT = REGISTRY.current_versions()


def put(
    store: DuckDBEventStore,
    event_type: str,
    schema_version: int,
    payload: dict[str, Any] | str,
    *,
    aggregate: UUID = A,
    metadata: str | None = None,
) -> None:
    """Write one row as old code wrote it (next position, next version)."""
    position = store.head_position() + 1
    store.connection.execute(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            position,
            aggregate,
            store.stream_version(aggregate) + 1,
            UUID(int=0x01D0000 + position),
            event_type,
            schema_version,
            payload if isinstance(payload, str) else json.dumps(payload),
            metadata,
            START + timedelta(hours=position, microseconds=position),
        ],
    )
    store.refresh()


def fill(store: DuckDBEventStore) -> DuckDBEventStore:
    """Ten rows over three accounts, at every version, some with fields nobody knows today."""
    put(store, "AccountCreated", 1, {"owner": "Ada"}, metadata='{"command": "OpenAccount"}')
    put(store, "MoneyDeposited", 1, {"amount_eur": 25.1, "channel": "atm"})
    put(store, "AccountOpened", 1, {"owner": " Bob "}, aggregate=B)
    put(store, "MoneyDeposited", 2, {"amount_cents": 1990, "legacy_ref": [1, {"x": None}]})
    put(store, "MoneyDeposited", 1, {"amount_eur": 0.29}, aggregate=B, metadata="{}")
    put(store, "MoneyDeposited", 3, {"amount": 100, "note": "kept only in the source"})
    put(store, "MoneyWithdrawn", 1, {"amount": 600}, metadata='{"command": "x", "n": [1, 2]}')
    put(store, "AccountOpened", 2, {"owner": "Cy", "initial_balance": 500}, aggregate=C)
    put(store, "MoneyWithdrawn", 1, {"amount": 29}, aggregate=B)
    put(store, "AccountClosed", 1, {}, aggregate=B)
    return store


EXPECTED_EVENTS = [
    (A, AccountOpened("Ada", 0)),
    (A, MoneyDeposited(2510)),
    (B, AccountOpened("Bob", 0)),
    (A, MoneyDeposited(1990)),
    (B, MoneyDeposited(29)),
    (A, MoneyDeposited(100)),
    (A, MoneyWithdrawn(600)),
    (C, AccountOpened("Cy", 500)),
    (B, MoneyWithdrawn(29)),
    (B, AccountClosed()),
]


@pytest.fixture
def source() -> Iterator[DuckDBEventStore]:
    with DuckDBEventStore(clock=StepClock(LATER), new_id=SequentialIds(prefix=0x5)) as s:
        yield fill(s)


@pytest.fixture
def target() -> Iterator[DuckDBEventStore]:
    with DuckDBEventStore(clock=StepClock(LATER), new_id=SequentialIds(prefix=0x7)) as s:
        yield s


def same_but_event(r: RecordedEvent) -> tuple[Any, ...]:
    """What a migration keeps of a recorded event: everything but its stored type/version."""
    return (r.position, r.aggregate_id, r.version, r.event_id, r.event, r.metadata, r.recorded_at)


def test_migrate_copies_every_event_with_its_position_id_version_time_and_metadata(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    migrate(source, target)
    old, new = source.read_all(), target.read_all()
    assert [(r.aggregate_id, r.event) for r in new] == EXPECTED_EVENTS
    assert [same_but_event(r) for r in new] == [same_but_event(r) for r in old]
    assert new[0].metadata == {"command": "OpenAccount"}
    assert new[6].metadata == {"command": "x", "n": [1, 2]}
    assert new[1].recorded_at == START + timedelta(hours=2, microseconds=2)
    # the raw columns other than type, version and payload are identical too
    keep = "position, aggregate_id, version, event_id, recorded_at"
    query = f"SELECT {keep} FROM events ORDER BY position"
    assert (
        target.connection.execute(query).fetchall() == source.connection.execute(query).fetchall()
    )


def test_migrated_rows_are_all_at_the_current_versions(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    migrate(source, target)
    for position, event_type, schema_version, payload in target.connection.execute(
        "SELECT position, event_type, schema_version, payload FROM events ORDER BY position"
    ).fetchall():
        assert event_type in CURRENT, (position, event_type)  # old names are gone too
        assert schema_version == CURRENT[event_type], (position, event_type, schema_version)
        event = target.read_all(after_position=position - 1, limit=1)[0].event
        assert (event_type, schema_version, json.loads(payload)) == (
            encode(event)[0],
            encode(event)[1],
            json.loads(encode(event)[2]),
        )
    assert {(r.event_type, r.schema_version) for r in target.read_all()} <= set(CURRENT.items())


def test_the_report_counts_rewritten_rows_by_stored_type_and_version(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    report = migrate(source, target)
    assert report == MigrationReport(
        events=10,
        rewritten={
            ("AccountCreated", 1): 1,
            ("AccountOpened", 1): 1,
            ("MoneyDeposited", 1): 2,
            ("MoneyDeposited", 2): 1,
        },
        unchanged=5,  # AccountOpened v2, MoneyDeposited v3, 2 x MoneyWithdrawn v1, AccountClosed
    )
    assert sum(report.rewritten.values()) + report.unchanged == report.events
    assert list(report.rewritten) == sorted(report.rewritten)


def test_an_old_name_at_the_current_version_still_counts_as_rewritten(
    target: DuckDBEventStore,
) -> None:
    with DuckDBEventStore() as old:
        put(old, "AccountCreated", 2, {"owner": "Ada", "initial_balance": 3})
        put(old, "AccountOpened", 2, {"owner": "Bob", "initial_balance": 4}, aggregate=B)
        report = migrate(old, target)
    assert report == MigrationReport(events=2, rewritten={("AccountCreated", 2): 1}, unchanged=1)
    assert [(r.event_type, r.schema_version, r.event) for r in target.read_all()] == [
        ("AccountOpened", 2, AccountOpened("Ada", 3)),
        ("AccountOpened", 2, AccountOpened("Bob", 4)),
    ]


def test_migration_drops_unknown_payload_fields_because_it_rewrites_the_decoded_event(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    # Weak schema: lazy reads ignore unknown fields; a migration writes only what the current
    # event holds, so "channel", "legacy_ref" and "note" exist only in the source afterwards.
    migrate(source, target)
    payloads = [
        json.loads(p)
        for (p,) in target.connection.execute(
            "SELECT payload FROM events ORDER BY position"
        ).fetchall()
    ]
    assert payloads[1] == {"amount": 2510}
    assert payloads[3] == {"amount": 1990}
    assert payloads[5] == {"amount": 100}
    assert payloads[0] == {"owner": "Ada", "initial_balance": 0}
    assert payloads[2] == {"owner": "Bob", "initial_balance": 0}  # trimmed by the event
    assert payloads[9] == {}
    source_payloads = [json.loads(row[6]) for row in rows(source)]
    assert source_payloads[1]["channel"] == "atm"
    assert source_payloads[5]["note"] == "kept only in the source"


@pytest.mark.parametrize("page", [1, 2, 3, 4, 9, 10, 11])
def test_pages_smaller_than_the_log_give_identical_results(
    source: DuckDBEventStore, page: int
) -> None:
    with DuckDBEventStore() as whole, DuckDBEventStore() as paged:
        expected = migrate(source, whole)
        assert migrate(source, paged, page=page) == expected
        assert rows(paged) == rows(whole)
        assert paged.head_position() == 10


def test_a_page_size_below_one_is_refused_and_writes_nothing(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    for page in (0, -1):
        with pytest.raises(InvalidArgument, match="must be an int >= 1"):
            migrate(source, target, page=page)
    assert rows(target) == []


def test_the_source_is_left_exactly_as_it_was(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    before = rows(source)
    migrate(source, target, page=3)
    assert rows(source) == before
    assert [(r.event_type, r.schema_version) for r in source.read_all()][:4] == [
        ("AccountCreated", 1),
        ("MoneyDeposited", 1),
        ("AccountOpened", 1),
        ("MoneyDeposited", 2),
    ]


def test_loads_are_equal_at_every_version(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    migrate(source, target)
    old, new = Bank(source), Bank(target)
    for account, versions in ((A, 5), (B, 4), (C, 1)):
        for version in range(1, versions + 1):
            assert new.load(account, as_of_version=version) == old.load(
                account, as_of_version=version
            )
        assert new.load(account) == old.load(account)
        instant = START + timedelta(hours=6)
        if old.store.version_at(account, instant):
            assert new.load(account, as_of=instant) == old.load(account, as_of=instant)
    assert new.load(A).balance == 4000
    assert (
        new.history(A).drop(columns="event_type").equals(old.history(A).drop(columns="event_type"))
    )


def test_the_target_takes_new_commands_and_positions_continue(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    migrate(source, target)
    bank = Bank(target, new_id=SequentialIds(prefix=0x9))
    deposit = bank.handle(DepositMoney(A, 5))
    assert (deposit.position, deposit.new_version) == (11, 6)
    withdraw = bank.handle(WithdrawMoney(C, 500))
    assert (withdraw.position, withdraw.new_version) == (12, 2)
    opened = bank.open_account("Dee")
    assert opened.position == 13
    bank.handle(CloseAccount(C))
    assert [r.position for r in target.read_all()] == list(range(1, 15))
    assert bank.load(A).balance == 4005
    assert target.read_stream(C)[-1].event == AccountClosed()


def test_a_target_that_is_not_empty_is_refused(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    target.append(UUID(int=0xF), [AccountOpened("Zed")], expected_version=0)
    before, source_before = rows(target), rows(source)
    with pytest.raises(InvalidArgument, match="already holds 1 events; migrate into an empty"):
        migrate(source, target)
    assert rows(target) == before
    assert rows(source) == source_before


def test_migrating_a_store_into_itself_is_refused(source: DuckDBEventStore) -> None:
    before = rows(source)
    with pytest.raises(InvalidArgument, match="different, new store"):
        migrate(source, source)
    assert rows(source) == before


def test_migrating_a_file_into_the_same_file_is_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "bank.duckdb")
    with DuckDBEventStore(path) as first, DuckDBEventStore(path) as second:
        assert first is not second
        with pytest.raises(InvalidArgument, match="different, new store"):
            migrate(first, second)  # even with both empty
        fill(first)
        before = rows(first)
        with pytest.raises(InvalidArgument):
            migrate(first, second)
        assert rows(second) == before


def test_a_file_store_migrates_into_a_new_file(tmp_path: Path) -> None:
    old_path, new_path = tmp_path / "old.duckdb", tmp_path / "new.duckdb"
    with DuckDBEventStore(old_path) as old:
        fill(old)
    with DuckDBEventStore(old_path) as old, DuckDBEventStore(new_path) as new:
        assert migrate(old, new).events == 10
    with DuckDBEventStore(new_path) as reopened:
        assert [(r.aggregate_id, r.event) for r in reopened.read_all()] == EXPECTED_EVENTS
        assert Bank(reopened).handle(DepositMoney(A, 1)).position == 11


def test_an_empty_source_gives_an_empty_target(target: DuckDBEventStore) -> None:
    with DuckDBEventStore() as empty:
        assert migrate(empty, target) == MigrationReport(events=0, rewritten={}, unchanged=0)
    assert rows(target) == []
    assert Bank(target).open_account("Ada").position == 1


def test_an_unreadable_source_row_stops_the_migration_with_its_error(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    put(source, "MoneyDeposited", 1, {"amount_eur": 0.001})  # position 11, A version 6
    before = rows(source)
    with pytest.raises(CorruptEvent, match="position 11") as info:
        migrate(source, target, page=4)
    assert "not a whole number of cents" in str(info.value)
    assert rows(source) == before
    # the pages before the bad row were copied; a new, empty target is needed to try again
    assert target.head_position() == 8


# -- copy_in ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "positions",
    [[2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 6, 7], [3, 4, 5], [1, 3], [2, 1], [10]],
    ids=["starts late", "has a gap", "starts mid-log", "skips one", "out of order", "last"],
)
def test_copy_in_refuses_positions_that_do_not_continue_the_log(
    source: DuckDBEventStore, target: DuckDBEventStore, positions: list[int]
) -> None:
    by_position = {r.position: r for r in source.read_all()}
    recorded = [by_position[p] for p in positions]
    with pytest.raises(InvalidAppend, match="must continue the log at position 1") as info:
        target.copy_in(recorded)
    assert f"got positions {positions[0]}…{positions[-1]}" in str(info.value)
    assert rows(target) == []


def test_copy_in_refuses_positions_the_target_already_has(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    first, rest = source.read_all(limit=4), source.read_all(after_position=4)
    assert target.copy_in(first) == 4
    before = rows(target)
    for again in (first, source.read_all(after_position=2)):
        with pytest.raises(InvalidAppend, match="at position 5 without gaps"):
            target.copy_in(again)
        assert rows(target) == before
    assert target.copy_in(rest) == 6
    assert [same_but_event(r) for r in target.read_all()] == [
        same_but_event(r) for r in source.read_all()
    ]


def test_copy_in_of_nothing_writes_nothing(target: DuckDBEventStore) -> None:
    assert target.copy_in([]) == 0
    assert rows(target) == []


def test_copy_in_continues_after_normal_appends(
    source: DuckDBEventStore, target: DuckDBEventStore
) -> None:
    # copy_in forgets what the writer remembered, so appends after it see the copied rows
    target.copy_in(source.read_all(limit=2))
    result = target.append(A, [MoneyDeposited(1)], expected_version=2)
    assert (result.new_version, result.positions) == (3, (3,))
    with pytest.raises(InvalidAppend, match="at position 4"):
        target.copy_in(source.read_all(after_position=2))
