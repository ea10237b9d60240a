"""What the write path remembers is a hint, never the truth.

The store remembers the head position and each stream's version so an append needs no
SELECT; ``Bank`` keeps recently used account states. Rows written around the store (raw SQL),
a second ``Bank`` with its own cache, or a database file replaced while no store had it open
must never make an append wrong: no spurious conflict for a caller whose expected version
matches the table, no gap, no lost update, no refusal judged from an old state.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import pytest
from support import rows

from esbank import (
    ANY,
    AccountNotOpen,
    AccountOpened,
    AppendResult,
    Bank,
    BankAccount,
    CommandResult,
    ConcurrencyConflict,
    DepositMoney,
    DuckDBEventStore,
    Event,
    InsufficientFunds,
    MoneyDeposited,
    MoneyWithdrawn,
    OpenAccount,
    RecordedEvent,
    StreamAppend,
    WithdrawMoney,
)
from esbank.app.cache import StateCache
from esbank.eventstore import duckdb_files
from esbank.eventstore.codec import encode

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A = UUID(int=0xA)
B = UUID(int=0xB)
C = UUID(int=0xC)


class _Recording:
    """A DuckDB connection that records the SQL it is asked to run."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, log: list[str]) -> None:
        self._conn = conn
        self._log = log

    def execute(self, sql: str, *args: Any) -> Any:
        self._log.append(" ".join(sql.split()))
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class RecordingStore(DuckDBEventStore):
    """A real store that counts its statements and its reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.log: list[str] = []
        self.reads: list[tuple[UUID, ...]] = []
        super().__init__(*args, **kwargs)

    def _own(self) -> Any:  # the connection the store runs its own statements on
        return _Recording(super()._own(), self.log)

    def statements(self, verb: str) -> int:
        return sum(s.upper().startswith(verb) for s in self.log)

    def read_stream(self, aggregate_id: UUID, **kwargs: Any) -> list[RecordedEvent]:
        self.reads.append((aggregate_id,))
        return super().read_stream(aggregate_id, **kwargs)

    def stream_events(self, aggregate_id: UUID, **kwargs: Any) -> list[Event]:
        self.reads.append((aggregate_id,))
        return super().stream_events(aggregate_id, **kwargs)

    def read_streams(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, list[RecordedEvent]]:
        self.reads.append(tuple(aggregate_ids))
        return super().read_streams(aggregate_ids)


@pytest.fixture
def store() -> Iterator[RecordingStore]:
    with RecordingStore() as s:
        yield s


def raw_insert(store: DuckDBEventStore, stream: UUID, event: Event, event_id: int) -> None:
    """One row straight into the table at the true next position and version, in the
    current stored format (a valid row the store did not write, as another tool might)."""
    conn = store.connection
    position = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM events").fetchall()[0][0]
    version = conn.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM events WHERE aggregate_id = ?", [stream]
    ).fetchall()[0][0]
    event_type, schema_version, payload = encode(event)
    conn.execute(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [
            position,
            stream,
            version,
            UUID(int=0xBAD00 + event_id),
            event_type,
            schema_version,
            payload,
            START,
        ],
    )


def assert_gap_free(store: DuckDBEventStore, *streams: UUID) -> None:
    positions = [r.position for r in store.read_all()]
    assert positions == list(range(1, len(positions) + 1))
    for stream in streams:
        versions = [r.version for r in store.read_stream(stream)]
        assert versions == list(range(1, len(versions) + 1))


# -- the store's remembered head and versions --------------------------------------------------
def test_a_raw_row_on_the_stream_then_an_append_at_the_true_version(
    store: RecordingStore,
) -> None:
    store.append(A, [AccountOpened("Ada", 10), MoneyDeposited(1)], expected_version=0)
    raw_insert(store, A, MoneyDeposited(5), 1)  # version 3, position 3
    # the caller read the table, so it expects 3: no spurious conflict, no gap
    assert store.append(A, [MoneyDeposited(2)], expected_version=3) == AppendResult(A, 4, (4,))
    assert [r.event for r in store.read_stream(A)][2:] == [MoneyDeposited(5), MoneyDeposited(2)]
    assert_gap_free(store, A)


def test_a_raw_row_on_the_stream_then_a_stale_expected_version_is_a_conflict(
    store: RecordingStore,
) -> None:
    store.append(A, [AccountOpened("Ada", 10), MoneyDeposited(1)], expected_version=0)
    raw_insert(store, A, MoneyWithdrawn(11), 1)
    before = rows(store)
    # what the store remembers (version 2) agrees with this caller, the table does not
    with pytest.raises(ConcurrencyConflict) as info:
        store.append(A, [MoneyWithdrawn(11)], expected_version=2)
    assert (info.value.expected, info.value.actual) == (2, 3)
    assert rows(store) == before  # no lost update: the raw withdrawal is not overwritten
    assert store.append(A, [MoneyDeposited(4)], expected_version=3).positions == (4,)
    assert_gap_free(store, A)


def test_a_raw_row_on_another_stream_leaves_no_gap(store: RecordingStore) -> None:
    store.append(A, [AccountOpened("Ada")], expected_version=0)
    store.append(B, [AccountOpened("Bob")], expected_version=0)
    raw_insert(store, C, AccountOpened("Cy", 0), 1)
    # the remembered head (2) is stale: position 3 is taken
    assert store.append(A, [MoneyDeposited(1)], expected_version=1).positions == (4,)
    raw_insert(store, C, MoneyDeposited(3), 2)
    assert store.append(B, [MoneyDeposited(1)], expected_version=ANY).positions == (6,)
    raw_insert(store, B, MoneyDeposited(3), 3)
    results = store.append_batch(
        [
            StreamAppend(C, [MoneyDeposited(9)], 2),
            StreamAppend(A, [MoneyDeposited(9)], 2),
            StreamAppend(B, [MoneyDeposited(9)], 3),
        ]
    )
    assert results == [
        AppendResult(C, 3, (8,)),
        AppendResult(A, 3, (9,)),
        AppendResult(B, 4, (10,)),
    ]
    assert_gap_free(store, A, B, C)
    assert store.head_position() == 10


def test_rows_written_around_the_store_in_a_raw_transaction(store: RecordingStore) -> None:
    store.append(A, [AccountOpened("Ada", 10)], expected_version=0)
    conn = store.connection
    conn.execute("BEGIN TRANSACTION")
    raw_insert(store, A, MoneyDeposited(1), 1)
    raw_insert(store, B, AccountOpened("Bob", 0), 2)
    raw_insert(store, A, MoneyDeposited(2), 3)
    conn.execute("COMMIT")
    assert store.append(A, [MoneyDeposited(3)], expected_version=3).positions == (5,)
    assert store.append(B, [MoneyDeposited(3)], expected_version=1).positions == (6,)
    assert_gap_free(store, A, B)


def test_read_stream_refreshes_the_remembered_version(store: RecordingStore) -> None:
    store.append(A, [AccountOpened("Ada", 10)], expected_version=0)
    store.append(B, [AccountOpened("Bob")], expected_version=0)
    raw_insert(store, A, MoneyDeposited(1), 1)  # A is at 2, remembered 1
    assert [r.version for r in store.read_stream(A)] == [1, 2]
    store.log.clear()
    # a caller holding the old version is refused from what the store now remembers,
    # without trying an INSERT the keys would refuse
    with pytest.raises(ConcurrencyConflict) as info:
        store.append(A, [MoneyDeposited(5)], expected_version=1)
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert info.value.__cause__ is None
    assert store.statements("INSERT") == 0


def test_read_streams_refreshes_the_remembered_versions(store: RecordingStore) -> None:
    store.append(A, [AccountOpened("Ada", 10)], expected_version=0)
    store.append(B, [AccountOpened("Bob")], expected_version=0)
    raw_insert(store, A, MoneyDeposited(1), 1)
    raw_insert(store, B, MoneyDeposited(1), 2)
    streams = store.read_streams([A, B, C])
    assert {s: len(r) for s, r in streams.items()} == {A: 2, B: 2, C: 0}
    for stream in (A, B):
        store.log.clear()
        with pytest.raises(ConcurrencyConflict):
            store.append(stream, [MoneyDeposited(5)], expected_version=1)
        assert store.statements("INSERT") == 0
    store.log.clear()
    with pytest.raises(ConcurrencyConflict):
        store.append(C, [MoneyDeposited(5)], expected_version=1)  # C is known to be empty
    assert store.statements("INSERT") == 0


def test_a_partial_read_does_not_change_what_is_remembered(store: RecordingStore) -> None:
    store.append(
        A, [AccountOpened("Ada", 10), MoneyDeposited(1), MoneyDeposited(2)], expected_version=0
    )
    assert [r.version for r in store.read_stream(A, to_version=1)] == [1]
    assert [r.version for r in store.read_stream(A, from_version=3)] == [3]
    store.log.clear()
    assert store.append(A, [MoneyDeposited(3)], expected_version=3).positions == (4,)
    assert [s.split()[0] for s in store.log] == ["INSERT"]  # one statement: the hints held


def test_streams_beyond_the_remembered_count_are_asked_for(
    store: RecordingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duckdb_files, "VERSION_CACHE_SIZE", 2)
    for stream in (A, B, C):
        store.append(stream, [AccountOpened("X")], expected_version=0)
    store.log.clear()
    # A is the least recently used and forgotten: the store asks the table, and is right
    assert store.append(A, [MoneyDeposited(1)], expected_version=1).positions == (4,)
    assert store.statements("SELECT") == 1
    with pytest.raises(ConcurrencyConflict) as info:
        store.append(B, [MoneyDeposited(1)], expected_version=0)
    assert info.value.actual == 1
    assert_gap_free(store, A, B, C)


def test_a_file_replaced_while_closed_is_asked_not_remembered(tmp_path: Path) -> None:
    """A database file restored from a backup (or deleted and started afresh) while no store
    has it open: what an old store object remembered must not reach the new file."""
    path = tmp_path / "bank.duckdb"
    backup = tmp_path / "backup.duckdb"
    old = DuckDBEventStore(path)
    old.append(A, [AccountOpened("Ada", 10)], expected_version=0)
    old.close()
    shutil.copy(path, backup)
    again = DuckDBEventStore(path)
    again.append(A, [MoneyDeposited(1), MoneyDeposited(2)], expected_version=1)
    again.append(B, [AccountOpened("Bob")], expected_version=0)
    again.close()  # the store objects stay alive, as variables in a notebook do
    shutil.copy(backup, path)  # back to the backup: A at version 1, head 1
    with DuckDBEventStore(path) as store:
        with pytest.raises(ConcurrencyConflict) as info:
            store.append(A, [MoneyWithdrawn(13)], expected_version=3)
        assert (info.value.expected, info.value.actual) == (3, 1)
        assert store.append(B, [AccountOpened("Bea")], expected_version=0).positions == (2,)
        assert store.append(A, [MoneyDeposited(5)], expected_version=1).positions == (3,)
        assert_gap_free(store, A, B)
    path.unlink()  # and a brand-new file in its place
    with DuckDBEventStore(path) as store:
        assert store.append(B, [AccountOpened("Bo")], expected_version=0).positions == (1,)
        with pytest.raises(ConcurrencyConflict):
            store.append(A, [MoneyDeposited(1)], expected_version=1)
        assert_gap_free(store, A, B)
    del old, again


# -- the Bank's state cache --------------------------------------------------------------------
def test_a_raw_row_makes_the_cached_state_stale_and_the_guard_catches_it(
    store: RecordingStore,
) -> None:
    bank = Bank(store)
    bank.handle(OpenAccount(A, "Ada", 100))  # cached: balance 100, version 1
    raw_insert(store, A, MoneyWithdrawn(100), 1)
    before = rows(store)
    # the cached balance would allow it; the table says the money is gone
    with pytest.raises(InsufficientFunds) as info:
        bank.handle(WithdrawMoney(A, 60))
    assert (info.value.balance, info.value.requested) == (0, 60)
    assert rows(store) == before
    result = bank.handle(DepositMoney(A, 7))
    assert (result.new_version, result.position) == (3, 3)
    assert bank.load(A) == BankAccount(A, "Ada", 7, 3, is_open=True, is_closed=False)


def _two_banks(store: DuckDBEventStore, **kwargs: Any) -> tuple[Bank, Bank]:
    first, second = Bank(store, **kwargs), Bank(store, **kwargs)
    first.handle(OpenAccount(A, "Ada", 100))  # first caches A: 100 at version 1
    assert second.handle(DepositMoney(A, 50)).new_version == 2  # second caches A: 150 at 2
    return first, second


@pytest.mark.parametrize("cache_size", [10_000, 0])
def test_a_second_bank_writing_in_between_makes_the_first_banks_cache_stale(
    store: RecordingStore, cache_size: int
) -> None:
    first, second = _two_banks(store, cache_size=cache_size)
    # from its cache, first would refuse: 120 > 100. Refusals are judged afresh: 120 <= 150.
    assert first.handle(WithdrawMoney(A, 120)) == CommandResult(
        "accepted", A, 3, 3, (MoneyWithdrawn(120),), 1
    )
    # second's cache (150 at version 2) is stale now: the version guard reloads, re-decides
    assert second.handle(WithdrawMoney(A, 30)) == CommandResult(
        "accepted", A, 4, 4, (MoneyWithdrawn(30),), 1
    )
    with pytest.raises(InsufficientFunds) as info:
        first.handle(WithdrawMoney(A, 1))  # first's cache says 30; the table says 0
    assert info.value.balance == 0
    # no lost update: every accepted command is in the balance
    assert first.load(A).balance == second.load(A).balance == 100 + 50 - 120 - 30 == 0
    assert_gap_free(store, A)


@pytest.mark.parametrize("cache_size", [10_000, 0])
def test_a_stale_cache_costs_a_reload_never_a_conflict(
    store: RecordingStore, cache_size: int
) -> None:
    """No writer races here, one command after the other: even with no retries allowed, a
    cached state that another Bank made stale must not end in ConcurrencyConflict."""
    first, second = _two_banks(store, cache_size=cache_size, max_retries=0)
    for i in range(3):
        result = first.handle(DepositMoney(A, 1 + i))  # first's cache is stale every time
        assert (result.new_version, result.attempts) == (3 + 2 * i, 1)
        result = second.handle(WithdrawMoney(A, 1))  # and so is second's
        assert (result.new_version, result.attempts) == (4 + 2 * i, 1)
    outcomes = first.handle_batch([DepositMoney(A, 10), WithdrawMoney(A, 5)])
    assert [(o.status, o.new_version, o.attempts) for o in outcomes] == [  # type: ignore[union-attr]
        ("accepted", 9, 1),
        ("accepted", 10, 1),
    ]
    assert first.load(A).balance == 100 + 50 + (1 + 2 + 3) - 3 + 10 - 5


def test_handle_batch_rejudges_a_refusal_from_a_stale_cache(store: RecordingStore) -> None:
    first, second = _two_banks(store)
    outcomes = first.handle_batch([WithdrawMoney(A, 150), DepositMoney(A, 1)])
    assert [(o.status, o.new_version) for o in outcomes] == [  # type: ignore[union-attr]
        ("accepted", 3),
        ("accepted", 4),
    ]
    outcomes = second.handle_batch([WithdrawMoney(A, 2), WithdrawMoney(A, 1)])
    assert outcomes[0].status == "rejected"
    assert isinstance(outcomes[0].error, InsufficientFunds)  # type: ignore[union-attr]
    assert outcomes[0].error.balance == 1  # type: ignore[union-attr]
    assert (outcomes[1].status, outcomes[1].new_version) == ("accepted", 5)  # type: ignore[union-attr]
    assert second.load(A).balance == 0


def test_an_account_unknown_to_a_stale_cache(store: RecordingStore) -> None:
    first, second = Bank(store), Bank(store)
    with pytest.raises(AccountNotOpen):
        first.handle(DepositMoney(B, 1))  # nothing cached for a refusal
    second.handle(OpenAccount(B, "Bob"))
    assert first.handle(DepositMoney(B, 1)).new_version == 2


def test_cache_size_zero_reads_the_account_for_every_command(store: RecordingStore) -> None:
    bank = Bank(store, cache_size=0)
    bank.handle(OpenAccount(A, "Ada", 100))
    store.reads.clear()
    for _ in range(4):
        bank.handle(DepositMoney(A, 1))
    assert store.reads == [(A,)] * 4
    store.reads.clear()
    bank.handle_batch([DepositMoney(A, 1), WithdrawMoney(A, 2)])
    bank.handle_batch([DepositMoney(A, 1)])
    assert store.reads == [(A,), (A,)]


def test_the_default_cache_reads_an_account_once(store: RecordingStore) -> None:
    bank = Bank(store)
    bank.handle(OpenAccount(A, "Ada", 100))
    store.reads.clear()
    for _ in range(4):
        bank.handle(DepositMoney(A, 1))
    bank.handle_batch([DepositMoney(A, 1), WithdrawMoney(A, 2)])
    assert store.reads == []
    assert bank.load(A).balance == 100 + 4 + 1 - 2


def test_the_bank_cache_keeps_only_the_most_recently_used_accounts(
    store: RecordingStore,
) -> None:
    bank = Bank(store, cache_size=2)
    for account in (A, B, C):
        bank.handle(OpenAccount(account, "X", 10))  # A falls out when C comes in
    store.reads.clear()
    bank.handle(DepositMoney(C, 1))
    bank.handle(DepositMoney(B, 1))
    assert store.reads == []
    bank.handle(DepositMoney(A, 1))  # read again; C is now the least recently used
    assert store.reads == [(A,)]
    bank.handle(DepositMoney(B, 1))
    bank.handle(DepositMoney(A, 1))
    assert store.reads == [(A,)]
    bank.handle(DepositMoney(C, 1))
    assert store.reads == [(A,), (C,)]
    assert [bank.load(x).balance for x in (A, B, C)] == [12, 12, 12]


def _state(account: UUID, version: int, balance: int = 0) -> BankAccount:
    return BankAccount(account, "X", balance, version, is_open=True, is_closed=False)


def test_state_cache_is_a_bounded_lru() -> None:
    cache = StateCache(2)
    cache.put(_state(A, 1))
    cache.put(_state(B, 1))
    assert cache.get(A) == _state(A, 1)  # A is now the most recently used
    cache.put(_state(C, 1))
    assert (cache.get(A), cache.get(B), cache.get(C)) == (_state(A, 1), None, _state(C, 1))
    assert len(cache) == 2
    for i in range(100):
        cache.put(_state(UUID(int=0x100 + i), 1))
        assert len(cache) <= 2
    assert cache.get(UUID(int=0x100 + 99)) is not None
    cache.drop(UUID(int=0x100 + 99))
    assert cache.get(UUID(int=0x100 + 99)) is None
    cache.drop(UUID(int=0xFFFF))  # dropping what is not there is harmless


def test_state_cache_never_replaces_a_newer_state() -> None:
    cache = StateCache(10)
    cache.put(_state(A, 5, balance=50))
    cache.put(_state(A, 3, balance=30))
    cache.put(_state(A, 5, balance=99))
    assert cache.get(A) == _state(A, 5, balance=50)
    cache.put(_state(A, 6, balance=60))
    assert cache.get(A) == _state(A, 6, balance=60)


def test_state_cache_of_size_zero_keeps_nothing() -> None:
    cache = StateCache(0)
    cache.put(_state(A, 1))
    assert cache.get(A) is None
    assert len(cache) == 0


def test_two_banks_interleaving_agree_with_one_bank_without_cache(
    store: RecordingStore,
) -> None:
    """The same commands through two caching Banks taking turns and through one Bank that
    caches nothing give the same outcomes and the same log."""
    script: list[tuple[int, Any]] = [
        (0, OpenAccount(A, "Ada", 100)),
        (1, DepositMoney(A, 50)),
        (0, WithdrawMoney(A, 140)),
        (1, WithdrawMoney(A, 20)),
        (1, DepositMoney(A, 5)),
        (0, WithdrawMoney(A, 15)),
        (0, OpenAccount(B, "Bob", 1)),
        (1, WithdrawMoney(B, 1)),
        (0, DepositMoney(B, 4)),
        (1, WithdrawMoney(A, 1)),
    ]

    def run(banks: list[Bank]) -> list[object]:
        outcomes: list[object] = []
        for who, command in script:
            try:
                outcomes.append(banks[who % len(banks)].handle(command))
            except InsufficientFunds as error:
                outcomes.append(("refused", error.balance, error.requested))
        return outcomes

    with DuckDBEventStore(clock=lambda: START) as plain:
        expected = run([Bank(plain, cache_size=0, max_retries=0)])
        expected_log = [(r.aggregate_id, r.version, r.event) for r in plain.read_all()]
    outcomes = run([Bank(store, max_retries=0), Bank(store, max_retries=0)])
    assert outcomes == expected
    assert [(r.aggregate_id, r.version, r.event) for r in store.read_all()] == expected_log
    assert ("refused", 0, 1) in outcomes


def test_appending_around_a_bank_with_raw_append(store: RecordingStore) -> None:
    bank = Bank(store)
    bank.handle(OpenAccount(A, "Ada", 10))
    store.append(A, [MoneyWithdrawn(10)], expected_version=1)  # the store, not the bank
    with pytest.raises(InsufficientFunds):
        bank.handle(WithdrawMoney(A, 10))
    assert bank.handle(DepositMoney(A, 3)).new_version == 3
    assert bank.load(A).balance == 3
