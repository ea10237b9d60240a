"""Snapshots: a cache of ``replay`` at one version, never a second source of truth.

The property: whatever the history and the snapshot interval, a Bank that takes snapshots
loads exactly what a Bank without snapshots loads, at every version. The examples pin down
when a snapshot is taken, which one a load starts from, what the ``LoadReport`` says, and that
a snapshot which cannot be trusted is ignored (with a warning), deleted and replaced.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from backends import Backend
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from esbank import (
    INT64_MAX,
    Bank,
    BankAccount,
    CloseAccount,
    Command,
    CommandResult,
    DepositMoney,
    DomainError,
    DuckDBEventStore,
    DuckDBSnapshotStore,
    InsufficientFunds,
    InvalidArgument,
    InvalidHistory,
    LoadReport,
    MoneyWithdrawn,
    OpenAccount,
    SnapshotIgnored,
    WithdrawMoney,
    decide,
    evolve,
    replay,
)
from esbank.app.snapshots import SNAPSHOT_SCHEMA_VERSION, encode_state
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A = UUID(int=0xA)
B = UUID(int=0xB)
ACCOUNTS = [A, B]


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START), new_id=SequentialIds(prefix=0xE))


def _db(where: SqlStore | Bank) -> Any:
    store = where.store if isinstance(where, Bank) else where
    assert isinstance(store, SqlStore)
    return store


def snapshot_versions(where: SqlStore | Bank, account: UUID) -> list[int]:
    rows = (
        _db(where)
        .connection.execute(
            "SELECT version FROM snapshots WHERE aggregate_id = ? ORDER BY version", [account]
        )
        .fetchall()
    )
    return [row[0] for row in rows]


def snapshot_row(where: SqlStore | Bank, account: UUID, version: int) -> tuple[int, dict[str, Any]]:
    """(schema_version, decoded JSON state) of one stored snapshot."""
    ((schema, state),) = (
        _db(where)
        .connection.execute(
            "SELECT schema_version, state FROM snapshots WHERE aggregate_id = ? AND version = ?",
            [account, version],
        )
        .fetchall()
    )
    return schema, json.loads(state)


def as_json(state: BankAccount) -> dict[str, Any]:
    return {
        "owner": state.owner,
        "balance": state.balance,
        "version": state.version,
        "is_open": state.is_open,
        "is_closed": state.is_closed,
    }


# -- the property ----------------------------------------------------------------------------
account_index = st.integers(0, len(ACCOUNTS) - 1)
# Mostly deposits, so streams grow long enough to pass several multiples of N.
kinds = st.sampled_from(["deposit"] * 6 + ["withdraw"] * 2 + ["empty", "close", "open"])
single = st.tuples(kinds, account_index, st.integers(0, 500))
steps = st.one_of(
    single.map(lambda s: ("handle", [s])),
    st.lists(single, min_size=1, max_size=10).map(lambda b: ("batch", b)),
)
histories = st.lists(steps, min_size=1, max_size=6)


def command_for(kind: str, account: UUID, value: int, state: BankAccount) -> Command:
    if kind == "open":
        return OpenAccount(account, f"Owner {account.int:x}", value)
    if kind == "deposit":
        return DepositMoney(account, value or 1)
    if kind == "withdraw":
        return WithdrawMoney(account, value or 1)
    if kind == "empty":  # withdraw the whole balance (1 cent when there is nothing: refused)
        return WithdrawMoney(account, state.balance or 1)
    return CloseAccount(account)


def crosses_a_multiple(before: int, after: int, every: int) -> bool:
    """True when some version in (before, after] is a multiple of ``every``."""
    return any(v % every == 0 for v in range(before + 1, after + 1))


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(history=histories, every=st.integers(1, 20))
# Pinned: one batch jumping past two multiples at once, and long tails after a snapshot.
@example(history=[("batch", [("deposit", 0, 1)] * 13)], every=5)
@example(history=[("handle", [("deposit", 0, 2)])] * 8 + [("batch", [("open", 1, 0)] * 2)], every=3)
@example(
    history=[("batch", [("deposit", i % 2, 3) for i in range(14)] + [("open", 1, 5)])] * 3, every=20
)
def test_snapshot_loads_equal_plain_loads_at_every_version(
    backend: Backend, history: list[tuple[str, list[tuple[str, int, int]]]], every: int
) -> None:
    pure = {a: BankAccount.new(a) for a in ACCOUNTS}  # decide/evolve: the independent model
    expected_snapshots: dict[UUID, set[int]] = {a: set() for a in ACCOUNTS}
    with backend.fresh(clock=StepClock(START)) as store, warnings.catch_warnings():
        warnings.simplefilter("error", SnapshotIgnored)  # nothing here may be distrusted
        snapping = Bank(store, snapshot_every=every, new_id=SequentialIds(prefix=0x5))
        plain = Bank(store)
        for how, planned in [("handle", [("open", 0, 100)]), *history]:
            before = {a: s.version for a, s in pure.items()}
            commands, accepted = [], []
            for kind, index, value in planned:
                account = ACCOUNTS[index]
                command = command_for(kind, account, value, pure[account])
                try:
                    events = decide(command, pure[account])
                except DomainError:
                    accepted.append(False)
                else:
                    pure[account] = replay(events, pure[account])
                    accepted.append(True)
                commands.append(command)
            if how == "handle":
                for command, ok in zip(commands, accepted, strict=True):
                    try:
                        snapping.handle(command)
                    except DomainError:
                        assert not ok
                    else:
                        assert ok
            else:
                outcomes = snapping.handle_batch(commands)
                assert [o.status == "accepted" for o in outcomes] == accepted
            for a in ACCOUNTS:
                if crosses_a_multiple(before[a], pure[a].version, every):
                    expected_snapshots[a].add(pure[a].version)  # at the new version

        plain_states: dict[UUID, list[BankAccount]] = {}
        for a in ACCOUNTS:
            # A snapshot exactly when an append (or a whole batch) crossed a multiple of N.
            assert snapshot_versions(store, a) == sorted(expected_snapshots[a])
            recorded = store.read_stream(a)
            assert len(recorded) == pure[a].version
            # The reference: a Bank without snapshots, at every version (and the pure fold).
            states = [plain.load(a, as_of_version=v) for v in range(1, len(recorded) + 1)]
            folded = BankAccount.new(a)
            for r, state in zip(recorded, states, strict=True):
                folded = evolve(folded, r.event)
                assert state == folded
            plain_states[a] = states

            def check(snapshots: set[int], a: UUID = a, states: list[BankAccount] = states) -> None:
                for v, expected in enumerate(states, start=1):
                    state, report = snapping.load_with_report(a, as_of_version=v)
                    assert state == expected
                    used = max((s for s in snapshots if s <= v), default=None)
                    assert report == LoadReport(a, v, used, v - (used or 0), ())
                if states:
                    latest, report = snapping.load_with_report(a)
                    assert latest == plain.load(a) == pure[a]
                    assert report.snapshot_version == max(snapshots, default=None)

            check(expected_snapshots[a])
            assert snapshot_versions(store, a) == sorted(expected_snapshots[a])  # loads wrote none

            rebuilt = snapping.rebuild_snapshots(a)
            assert rebuilt == list(range(every, len(recorded) + 1, every))
            assert snapshot_versions(store, a) == rebuilt
            check(set(rebuilt))

        assert snapping.snapshots is not None
        snapping.snapshots.delete()
        for a, states in plain_states.items():
            for v, expected in enumerate(states, start=1):
                state, report = snapping.load_with_report(a, as_of_version=v)
                assert state == expected
                assert (report.snapshot_version, report.events_replayed) == (None, v)
            if states:
                assert snapping.load(a) == states[-1] == pure[a]
        assert store.query("SELECT count(*) AS n FROM snapshots")["n"][0] == 0


# -- when a snapshot is taken ----------------------------------------------------------------
def test_a_single_command_crossing_a_multiple_snapshots_at_the_new_version(
    store: SqlStore,
) -> None:
    bank = Bank(store, snapshot_every=3)
    bank.handle(OpenAccount(A, "Ada", 100))
    bank.handle(DepositMoney(A, 1))
    assert snapshot_versions(store, A) == []
    bank.handle(DepositMoney(A, 2))  # version 3
    assert snapshot_versions(store, A) == [3]
    assert snapshot_row(store, A, 3) == (
        SNAPSHOT_SCHEMA_VERSION,
        {"owner": "Ada", "balance": 103, "version": 3, "is_open": True, "is_closed": False},
    )
    bank.handle(DepositMoney(A, 3))
    bank.handle(WithdrawMoney(A, 4))
    assert snapshot_versions(store, A) == [3]
    bank.handle(WithdrawMoney(A, 5))  # version 6
    assert snapshot_versions(store, A) == [3, 6]
    assert snapshot_row(store, A, 6)[1] == as_json(Bank(store).load(A))


def test_a_refused_command_takes_no_snapshot(store: SqlStore) -> None:
    bank = Bank(store, snapshot_every=2)
    bank.handle(OpenAccount(A, "Ada", 10))
    with pytest.raises(InsufficientFunds):
        bank.handle(WithdrawMoney(A, 11))  # would have been version 2
    assert snapshot_versions(store, A) == []
    outcomes = bank.handle_batch([WithdrawMoney(A, 11), CloseAccount(A)])
    assert [o.status for o in outcomes] == ["rejected", "rejected"]
    assert snapshot_versions(store, A) == []


def test_a_batch_jumping_past_a_multiple_snapshots_at_the_new_version(
    store: SqlStore,
) -> None:
    bank = Bank(store, snapshot_every=5)
    bank.handle(OpenAccount(A, "Ada", 100))
    for amount in (1, 2, 3):
        bank.handle(DepositMoney(A, amount))  # A at version 4
    outcomes = bank.handle_batch(
        [
            DepositMoney(A, 10),  # 5: a multiple, but the batch goes on
            OpenAccount(B, "Bob", 7),  # B 1
            WithdrawMoney(A, 10_000),  # refused: adds nothing
            DepositMoney(A, 20),  # 6
            DepositMoney(B, 1),  # B 2
            WithdrawMoney(A, 30),  # 7
        ]
    )
    assert [o.status for o in outcomes] == [
        "accepted",
        "accepted",
        "rejected",
        "accepted",
        "accepted",
        "accepted",
    ]
    # One snapshot per account whose batch crossed a multiple: at the version the batch left.
    assert snapshot_versions(store, A) == [7]
    assert snapshot_versions(store, B) == []
    assert snapshot_row(store, A, 7)[1] == as_json(Bank(store).load(A))
    assert Bank(store).load(A).balance == 106
    # A batch that lands exactly on a multiple snapshots there; one that crosses none, never.
    bank.handle_batch([DepositMoney(A, 1), DepositMoney(A, 1), DepositMoney(A, 1)])  # 8..10
    assert snapshot_versions(store, A) == [7, 10]
    bank.handle_batch([DepositMoney(A, 1), DepositMoney(B, 1)])  # A 11, B 3
    assert snapshot_versions(store, A) == [7, 10]
    # A batch jumping past two multiples at once still takes one snapshot, at its end.
    bank.handle_batch([DepositMoney(A, 1)] * 11)  # 12..22 crosses 15 and 20
    assert snapshot_versions(store, A) == [7, 10, 22]
    assert snapshot_row(store, A, 22)[1] == as_json(Bank(store).load(A))


# -- which snapshot a load starts from -------------------------------------------------------
@pytest.fixture
def ten(store: SqlStore) -> Bank:
    """A: opened with 100, then deposits of 1..9 cents (versions 2..10); snapshots at 4 and 8."""
    bank = Bank(store, snapshot_every=4)
    bank.handle(OpenAccount(A, "Ada", 100))
    for amount in range(1, 10):
        bank.handle(DepositMoney(A, amount))
    assert snapshot_versions(store, A) == [4, 8]
    return bank


@pytest.mark.parametrize(
    ("as_of_version", "snapshot_version", "replayed"),
    [
        (None, 8, 2),
        (10, 8, 2),
        (9, 8, 1),
        (8, 8, 0),
        (7, 4, 3),
        (4, 4, 0),
        (3, None, 3),
        (1, None, 1),
    ],
)
def test_load_report_names_the_snapshot_used_and_the_events_replayed(
    ten: Bank, as_of_version: int | None, snapshot_version: int | None, replayed: int
) -> None:
    state, report = ten.load_with_report(A, as_of_version=as_of_version)
    version = as_of_version or 10
    assert report == LoadReport(
        account_id=A,
        version=version,
        snapshot_version=snapshot_version,
        events_replayed=replayed,
        ignored=(),
    )
    assert report.events_replayed == version - (snapshot_version or 0)
    assert state == Bank(ten.store).load(A, as_of_version=as_of_version)
    assert state.balance == 100 + sum(range(1, version))


def test_a_plain_bank_ignores_the_snapshot_table(ten: Bank) -> None:
    plain = Bank(ten.store)
    assert plain.snapshots is None
    state, report = plain.load_with_report(A)
    assert report == LoadReport(A, 10, None, 10, ())
    assert state == ten.load(A)


@pytest.mark.parametrize("version", range(1, 11))
def test_as_of_version_starts_from_the_newest_snapshot_at_or_below(
    store: SqlStore, version: int
) -> None:
    plain = Bank(store)
    plain.handle(OpenAccount(A, "Ada", 100))
    for amount in range(1, 10):
        plain.handle(DepositMoney(A, amount))
    bank = Bank(store, snapshot_every=50)  # no multiple reached: snapshots placed by hand
    assert bank.snapshots is not None
    for v in (2, 3, 7):
        state = plain.load(A, as_of_version=v)
        bank.snapshots.save(A, v, SNAPSHOT_SCHEMA_VERSION, encode_state(state))
    state, report = bank.load_with_report(A, as_of_version=version)
    newest = max((v for v in (2, 3, 7) if v <= version), default=None)
    assert report.snapshot_version == newest
    assert report.events_replayed == version - (newest or 0)
    assert state == plain.load(A, as_of_version=version)


# -- snapshots that cannot be trusted --------------------------------------------------------
@pytest.fixture
def six(store: SqlStore) -> Bank:
    """A: +100 open, +50, -30, +5, +10, -20 (balance 115 at version 6); snapshot at 4 (125)."""
    bank = Bank(store, snapshot_every=4)
    bank.handle(OpenAccount(A, "Ada", 100))
    bank.handle(DepositMoney(A, 50))
    bank.handle(WithdrawMoney(A, 30))
    bank.handle(DepositMoney(A, 5))
    bank.handle(DepositMoney(A, 10))
    bank.handle(WithdrawMoney(A, 20))
    assert snapshot_versions(store, A) == [4]
    return bank


AT_4 = {"owner": "Ada", "balance": 125, "version": 4, "is_open": True, "is_closed": False}


def _with(**changes: Any) -> str:
    return json.dumps({**AT_4, **changes})


def _without(name: str) -> str:
    return json.dumps({k: v for k, v in AT_4.items() if k != name})


CORRUPT = {
    "a list": json.dumps(list(AT_4.values())),
    "a string": json.dumps("Ada"),
    "null": "null",
    "an empty object": "{}",
    "no is_closed": _without("is_closed"),
    "no owner": _without("owner"),
    "balance renamed": _without("balance").replace("}", ', "amount": 125}'),
    "balance as text": _with(balance="125"),
    "balance as float": _with(balance=125.0),
    "balance as bool": _with(balance=True),
    "balance as null": _with(balance=None),
    "version as text": _with(version="4"),
    "version as float": _with(version=4.0),
    "is_open as 1": _with(is_open=1),
    "is_closed as text": _with(is_closed="false"),
    "owner as number": _with(owner=42),
    "owner null": _with(owner=None),
    "negative balance": _with(balance=-5),
    "balance beyond int64": _with(balance=INT64_MAX + 1),
    "open and closed": _with(is_closed=True),
    "neither open nor closed": _with(is_open=False),
    "closed with money in it": _with(is_open=False, is_closed=True),
    "empty owner": _with(owner=""),
    "blank owner": _with(owner="   "),
    "untrimmed owner": _with(owner=" Ada "),
    "owner too long": _with(owner="A" * 201),
    "version field 3 in row 4": _with(version=3),
    "version field 5 in row 4": _with(version=5),
    "version field 0": _with(version=0),
}


def assert_ignored_and_replaced(
    bank: Bank,
    version: int,
    as_of_version: int | None,
    *,
    ignored_count: int = 1,
    match: str = "",
) -> None:
    """Load warns naming account and version, deletes the row, equals the plain load, and
    writes a trusted snapshot of the state it rebuilt."""
    store = _db(bank)
    plain = Bank(store).load(A, as_of_version=as_of_version)
    with pytest.warns(SnapshotIgnored) as caught:
        state, report = bank.load_with_report(A, as_of_version=as_of_version)
    messages = [str(w.message) for w in caught if issubclass(w.category, SnapshotIgnored)]
    assert len(messages) == ignored_count
    assert f"snapshot of {A} at version {version}" in messages[-1]
    assert match in messages[-1]
    assert "rebuilding from events" in messages[-1]
    assert len(report.ignored) == ignored_count
    assert f"at version {version}" in report.ignored[-1]
    assert state == plain
    assert report.version == plain.version
    assert version not in snapshot_versions(store, A) or version == plain.version
    # The replacement: a trusted snapshot of exactly the state just rebuilt.
    assert plain.version in snapshot_versions(store, A)
    assert snapshot_row(store, A, plain.version) == (SNAPSHOT_SCHEMA_VERSION, as_json(plain))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SnapshotIgnored)
        again, report = bank.load_with_report(A, as_of_version=as_of_version)
    assert again == plain
    assert (report.snapshot_version, report.events_replayed, report.ignored) == (
        plain.version,
        0,
        (),
    )


@pytest.mark.parametrize("as_of_version", [None, 4], ids=["latest", "at the snapshot"])
@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_snapshot_is_ignored_deleted_and_replaced(
    six: Bank, content: str, as_of_version: int | None
) -> None:
    assert six.snapshots is not None
    six.snapshots.save(A, 4, SNAPSHOT_SCHEMA_VERSION, content)
    assert_ignored_and_replaced(six, 4, as_of_version)
    if as_of_version is None:
        assert snapshot_versions(six, A) == [6]


@pytest.mark.parametrize("schema_version", [0, SNAPSHOT_SCHEMA_VERSION + 1, -1, 99])
def test_a_snapshot_of_another_schema_version_is_ignored(six: Bank, schema_version: int) -> None:
    assert six.snapshots is not None
    six.snapshots.save(A, 4, schema_version, json.dumps(AT_4))  # content itself is fine
    assert_ignored_and_replaced(six, 4, None, match=f"schema version {schema_version}")


@pytest.mark.parametrize("beyond", [7, 8, 100])
def test_a_snapshot_beyond_the_stream_is_ignored(six: Bank, beyond: int) -> None:
    assert six.snapshots is not None
    claimed = replace(Bank(six.store).load(A), version=beyond)
    six.snapshots.save(A, beyond, SNAPSHOT_SCHEMA_VERSION, encode_state(claimed))
    # A load at an earlier version never looks at it...
    with warnings.catch_warnings():
        warnings.simplefilter("error", SnapshotIgnored)
        assert six.load_with_report(A, as_of_version=5)[1].snapshot_version == 4
    # ...the latest load does, and finds the stream has only 6 events.
    assert_ignored_and_replaced(six, beyond, None, match="beyond the stream, which has 6 events")
    assert snapshot_versions(six, A) == [4, 6]


@pytest.mark.parametrize(
    "content",
    [
        # Each is sane on its own, but the events after version 4 cannot follow it.
        _with(is_open=False, is_closed=True, balance=0),  # closed, yet deposits follow
        _with(balance=5),  # 5 + 10 - 20 would go below zero
    ],
    ids=["closed before deposits", "too little for the withdrawal after it"],
)
def test_a_snapshot_the_following_events_cannot_follow_is_ignored(six: Bank, content: str) -> None:
    assert six.snapshots is not None
    six.snapshots.save(A, 4, SNAPSHOT_SCHEMA_VERSION, content)
    assert_ignored_and_replaced(six, 4, None)


def test_several_bad_snapshots_fall_back_to_an_older_trusted_one(six: Bank) -> None:
    bank = six
    assert bank.snapshots is not None
    plain = Bank(bank.store)
    bank.snapshots.save(A, 2, SNAPSHOT_SCHEMA_VERSION, encode_state(plain.load(A, as_of_version=2)))
    bank.snapshots.save(A, 4, SNAPSHOT_SCHEMA_VERSION, _with(balance=-1))
    bank.snapshots.save(A, 5, SNAPSHOT_SCHEMA_VERSION + 1, "{}")
    with pytest.warns(SnapshotIgnored) as caught:
        state, report = bank.load_with_report(A)
    texts = [str(w.message) for w in caught]
    assert [f"at version {v}" in t for v, t in zip((5, 4), texts, strict=True)] == [True, True]
    assert state == plain.load(A)
    assert (report.snapshot_version, report.events_replayed, len(report.ignored)) == (2, 4, 2)
    assert snapshot_versions(bank, A) == [2, 6]


def test_a_command_is_decided_against_the_events_not_a_corrupt_snapshot(six: Bank) -> None:
    assert six.snapshots is not None
    six.snapshots.save(
        A,
        6,
        SNAPSHOT_SCHEMA_VERSION,
        json.dumps(
            {"owner": "Ada", "balance": -1_000, "version": 6, "is_open": True, "is_closed": False}
        ),
    )
    fresh = Bank(six.store, snapshot_every=4)  # nothing cached
    with (
        pytest.warns(SnapshotIgnored, match=f"snapshot of {A} at version 6"),
        pytest.raises(InsufficientFunds) as info,
    ):
        fresh.handle(WithdrawMoney(A, 116))
    assert (info.value.balance, info.value.requested) == (115, 116)
    result = fresh.handle(WithdrawMoney(A, 115))
    assert isinstance(result, CommandResult)
    assert fresh.load(A).balance == 0


# -- arguments -------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -1, True, False, 2.0, 2.5, "3"], ids=repr)
def test_snapshot_every_must_be_a_positive_int(store: SqlStore, bad: object) -> None:
    with pytest.raises(InvalidArgument, match="snapshot_every must be an int >= 1"):
        Bank(store, snapshot_every=bad)  # type: ignore[arg-type]


def test_snapshot_every_needs_a_snapshot_store_beside_other_stores(
    store: SqlStore,
) -> None:
    class Wrapped:
        """An event store with no database beside the log (no SQL seam, no snapshots table)."""

        def __getattr__(self, name: str) -> Any:
            if name in ("snapshot_store", "transaction", "sql", "query", "bulk_load"):
                raise AttributeError(name)
            return getattr(store, name)

    with pytest.raises(InvalidArgument, match="snapshot_every needs a snapshot store"):
        Bank(Wrapped(), snapshot_every=5)
    bank = Bank(Wrapped(), snapshot_every=5, snapshots=store.snapshot_store())
    assert bank.snapshot_every == 5


def test_rebuild_snapshots_needs_snapshot_every(six: Bank) -> None:
    with pytest.raises(InvalidArgument, match="create it with snapshot_every=N"):
        Bank(six.store).rebuild_snapshots(A)
    with pytest.raises(InvalidArgument, match=r"account_id must be a uuid\.UUID"):
        six.rebuild_snapshots(str(A))  # type: ignore[arg-type]


def test_rebuild_snapshots_replaces_every_snapshot_of_one_account(six: Bank) -> None:
    store = _db(six)
    assert six.snapshots is not None
    six.handle(OpenAccount(B, "Bob", 1))
    six.snapshots.save(B, 1, SNAPSHOT_SCHEMA_VERSION, encode_state(Bank(store).load(B)))
    six.snapshots.save(A, 3, SNAPSHOT_SCHEMA_VERSION, "{}")  # corrupt, off the grid
    six.snapshots.save(A, 5, SNAPSHOT_SCHEMA_VERSION + 1, "{}")
    narrow = Bank(store, snapshot_every=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SnapshotIgnored)  # rebuild never reads old snapshots
        assert narrow.rebuild_snapshots(A) == [2, 4, 6]
    assert snapshot_versions(store, A) == [2, 4, 6]
    assert snapshot_versions(store, B) == [1]
    plain = Bank(store)
    for v in (2, 4, 6):
        assert snapshot_row(store, A, v) == (
            SNAPSHOT_SCHEMA_VERSION,
            as_json(plain.load(A, as_of_version=v)),
        )
    assert Bank(store, snapshot_every=7).rebuild_snapshots(A) == []
    assert snapshot_versions(store, A) == []
    assert Bank(store, snapshot_every=2).rebuild_snapshots(UUID(int=0xFEE)) == []


# -- storage ---------------------------------------------------------------------------------
@pytest.mark.only_duckdb("DuckDB's DESCRIBE; tests/eventstore/test_postgres.py checks PostgreSQL's")
def test_snapshot_table_schema(store: SqlStore) -> None:
    DuckDBSnapshotStore(store)
    described = store.query("DESCRIBE snapshots")
    columns = dict(zip(described["column_name"], described["column_type"], strict=True))
    assert columns == {
        "aggregate_id": "UUID",
        "version": "BIGINT",
        "schema_version": "INTEGER",
        "state": "JSON",
        "created_at": "TIMESTAMP WITH TIME ZONE",
    }
    assert set(described.loc[described["key"] == "PRI", "column_name"]) == {
        "aggregate_id",
        "version",
    }
    assert (described["null"] == "NO").all()


def test_created_at_comes_from_the_store_clock(store: SqlStore) -> None:
    bank = Bank(store, snapshot_every=1)
    bank.handle(OpenAccount(A, "Ada"))  # the append reads the clock (09:00), then the snapshot
    assert bank.snapshots is not None
    stored = bank.snapshots.latest(A)
    assert stored is not None
    assert stored.created_at == START + timedelta(minutes=1)
    assert stored.created_at.tzinfo is not None


def test_snapshot_store_refuses_other_stores() -> None:
    with pytest.raises(InvalidArgument, match="beside a DuckDBEventStore"):
        DuckDBSnapshotStore(object())


def test_snapshots_survive_reopening_a_file_store(tmp_path: Path) -> None:
    path = tmp_path / "bank.duckdb"
    with DuckDBEventStore(path, clock=StepClock(START)) as store:
        bank = Bank(store, snapshot_every=3)
        bank.handle(OpenAccount(A, "Ada", 10))
        bank.handle_batch([DepositMoney(A, n) for n in range(1, 8)])  # to version 8
        assert snapshot_versions(store, A) == [8]
        expected = Bank(store).load(A)
    with DuckDBEventStore(path) as store:
        assert snapshot_versions(store, A) == [8]
        with warnings.catch_warnings():
            warnings.simplefilter("error", SnapshotIgnored)
            state, report = Bank(store, snapshot_every=3).load_with_report(A)
        assert state == expected
        assert (report.snapshot_version, report.events_replayed) == (8, 0)
        stored = DuckDBSnapshotStore(store).latest(A)
        assert stored is not None
        assert stored.state and json.loads(stored.state) == as_json(expected)


def test_a_broken_log_still_raises_with_snapshots(six: Bank) -> None:
    # Written around the domain: a withdrawal the balance of 115 could never have allowed.
    _db(six).append(A, [MoneyWithdrawn(1_000)], expected_version=6)
    with pytest.raises(InvalidHistory, match="below zero"):
        Bank(six.store).load(A)
    with pytest.warns(SnapshotIgnored), pytest.raises(InvalidHistory, match="below zero"):
        six.load(A)
    # Loads up to the last good version still work, from the events.
    assert six.load(A, as_of_version=6) == Bank(six.store).load(A, as_of_version=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(every=st.integers(1, 8), batches=st.lists(st.integers(1, 6), min_size=1, max_size=12))
def test_the_replay_bound_of_snapshot_every(every: int, batches: list[int]) -> None:
    """What notebooks 04 and 08 state: a load of the newest state replays at most N − 1
    events; a load as of an older version at most N + k − 2, where k is the most events one
    append (or one batch, for one account) added (reached: see the next test)."""
    store = DuckDBEventStore()
    bank = Bank(store, new_id=SequentialIds(), snapshot_every=every)
    account = bank.open_account("Ann", 0).aggregate_id
    for size in batches:
        bank.handle_batch([DepositMoney(account, 1)] * size)
    k = max(1, *batches)
    newest = bank.load_with_report(account)[1]
    assert newest.events_replayed <= every - 1
    worst = max(
        bank.load_with_report(account, as_of_version=v)[1].events_replayed
        for v in range(1, store.stream_version(account) + 1)
    )
    assert worst <= every + k - 2


def test_the_replay_bounds_are_reached() -> None:
    """N = 5: nine events one by one, then a batch of three jumps from version 9 to 12."""
    bank = Bank(DuckDBEventStore(), new_id=SequentialIds(), snapshot_every=5)
    account = bank.open_account("Ann", 0).aggregate_id
    for _ in range(8):
        bank.handle(DepositMoney(account, 1))
    assert bank.load_with_report(account)[1].events_replayed == 5 - 1  # v9 from snapshot v5
    bank.handle_batch([DepositMoney(account, 1)] * 3)  # crosses 10: a snapshot at v12
    report = bank.load_with_report(account, as_of_version=11)[1]
    assert (report.snapshot_version, report.events_replayed) == (5, 5 + 3 - 2)
