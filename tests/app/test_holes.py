"""Holes found by attacking the kit as a hostile user would: each test failed before its fix.

Nothing lost (interrupted seeding, rolled-back user transactions, two paths to one file),
nothing counted twice (two projector runners, a failed snapshot save after a stored command),
and typed errors where raw DuckDB or Python errors used to escape.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import pytest
from backends import Backend
from support import rows

import esbank
from esbank import (
    INT64_MAX,
    Bank,
    CorruptEvent,
    DepositMoney,
    DuckDBEventStore,
    DuckDBSnapshotStore,
    EsbankError,
    InvalidArgument,
    OpenAccount,
    Projector,
    Queries,
    ReadModelStale,
    SnapshotNotSaved,
    StoreError,
    StoreLocked,
    WithdrawMoney,
    balance_changes,
    deposits_over,
    seed_history,
    standard_projections,
)
from esbank.app import seeding as seeding_module
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
A, B, C = (UUID(int=0x40 + i) for i in range(3))


def new_store(path: str | Path = ":memory:") -> DuckDBEventStore:
    return DuckDBEventStore(path, clock=StepClock(START), new_id=SequentialIds(prefix=0xE))


@pytest.fixture
def store() -> Iterator[DuckDBEventStore]:
    with new_store() as s:
        yield s


@pytest.fixture
def any_store(backend: Backend) -> SqlStore:
    """A store on either backend, for the holes both must close."""
    return backend.store(clock=StepClock(START), new_id=SequentialIds(prefix=0xE))


def positions(store: SqlStore) -> list[int]:
    return [r[0] for r in rows(store)]


def gap_free(store: SqlStore) -> bool:
    found = positions(store)
    return found == list(range(1, len(found) + 1))


# -- 1. interrupted seeding --------------------------------------------------------------------
class Interrupt(BaseException):
    """Stands for Ctrl-C in a notebook (KeyboardInterrupt is a BaseException too)."""


def test_an_interrupted_seed_leaves_no_gap_and_can_start_over(
    store: DuckDBEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 100))
    real_chunk = seeding_module._chunk
    calls = 0

    def chunk_then_interrupt(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Interrupt
        return real_chunk(*args, **kwargs)

    monkeypatch.setattr(seeding_module, "_chunk", chunk_then_interrupt)
    with pytest.raises(Interrupt):
        seed_history(store, accounts=9, events_per_account=4, chunk_accounts=3, progress=False)
    assert gap_free(store)
    assert len(store.read_all()) == store.head_position()
    # The caller starts over with the same seed: the whole history, gap-free, and the store
    # keeps appending right after it.
    monkeypatch.setattr(seeding_module, "_chunk", real_chunk)
    result = seed_history(store, accounts=9, events_per_account=4, chunk_accounts=3, progress=False)
    assert result.events == 36
    assert gap_free(store)
    assert bank.handle(DepositMoney(A, 5)).position == store.head_position() == 38
    Projector(store, standard_projections()).run()


def test_an_interrupted_seed_writes_what_an_uninterrupted_one_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with new_store() as clean:
        seed_history(clean, accounts=7, events_per_account=5, chunk_accounts=2, progress=False)
        expected = rows(clean)
    with new_store() as store:
        real_chunk = seeding_module._chunk
        state = {"calls": 0}

        def flaky(*args: Any, **kwargs: Any) -> Any:
            state["calls"] += 1
            if state["calls"] == 2:
                raise KeyboardInterrupt
            return real_chunk(*args, **kwargs)

        monkeypatch.setattr(seeding_module, "_chunk", flaky)
        with pytest.raises(KeyboardInterrupt):
            seed_history(store, accounts=7, events_per_account=5, chunk_accounts=2, progress=False)
        monkeypatch.setattr(seeding_module, "_chunk", real_chunk)
        seed_history(store, accounts=7, events_per_account=5, chunk_accounts=2, progress=False)
        assert rows(store) == expected


# -- 2. two projector runners --------------------------------------------------------------------
def read_models(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: sorted(store.connection.execute(f"SELECT * FROM {t}").fetchall())
        for t in ("account_balances", "account_statement", "daily_totals")
    }


def rebuilt(store: SqlStore, backend: Backend) -> dict[str, list[tuple[Any, ...]]]:
    """The read models rebuilt set-based from a copy of the log, on the same backend."""
    with backend.fresh() as fresh:
        fresh.copy_in(store.read_all())
        projector = Projector(fresh, standard_projections())
        for name in ("balances", "statement", "daily_totals"):
            projector.rebuild_set_based(name)
        return read_models(fresh)


def small_history(store: SqlStore) -> Bank:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 1_000))
    bank.handle(OpenAccount(B, "Bob", 0))
    for i in range(10):
        bank.handle(DepositMoney(A if i % 2 else B, 100 + i))
    return bank


def test_a_second_projector_between_read_and_apply_does_not_apply_a_batch_twice(
    backend: Backend, any_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = any_store
    small_history(store)
    first = Projector(store, standard_projections(), batch_size=5)
    second = Projector(store, standard_projections(), batch_size=5)
    real_read = store.read_log_frame
    raced = False

    def read_then_race(**kwargs: Any) -> Any:
        nonlocal raced
        found = real_read(**kwargs)
        if not raced:  # the other runner catches up between our read and our apply
            raced = True
            monkeypatch.setattr(store, "read_log_frame", real_read)
            second.run()
        return found

    monkeypatch.setattr(store, "read_log_frame", read_then_race)
    first.run()
    assert raced
    assert read_models(store) == rebuilt(store, backend)
    balances = store.query("SELECT balance FROM account_balances ORDER BY aggregate_id")
    assert balances["balance"].tolist() == [1_000 + 101 + 103 + 105 + 107 + 109, 500 + 20]


def test_projector_runners_on_threads_and_objects_equal_a_rebuild(backend: Backend) -> None:
    store = backend.store(clock=StepClock(START), new_id=SequentialIds(prefix=0xE))
    other = backend.store()
    bank = small_history(store)
    runners = [
        Projector(s, standard_projections(), batch_size=3) for s in (store, store, other, other)
    ]
    errors: list[BaseException] = []

    def work(projector: Projector) -> None:
        try:
            for _ in range(20):
                projector.run()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def write() -> None:
        for i in range(60):
            bank.handle(DepositMoney(A, 1 + i))

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    threads.append(threading.Thread(target=write))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    runners[0].run()
    assert read_models(store) == rebuilt(store, backend)


# -- 3. a failed snapshot save after a stored command -----------------------------------------
def test_a_snapshot_that_cannot_be_saved_warns_and_the_command_still_succeeds(
    store: DuckDBEventStore,
) -> None:
    bank = Bank(store, new_id=SequentialIds(), snapshot_every=1)
    bank.handle(OpenAccount(A, "Ann", 100))
    store.connection.execute("DROP TABLE snapshots")
    with pytest.warns(SnapshotNotSaved, match="snapshot"):
        result = bank.handle(DepositMoney(A, 5))
    assert result.new_version == 2
    assert len(rows(store)) == 2
    with pytest.warns(SnapshotNotSaved):
        outcomes = bank.handle_batch([DepositMoney(A, 1), WithdrawMoney(A, 2)])
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    assert len(rows(store)) == 4
    with pytest.warns(SnapshotNotSaved, match="reading the snapshots"):
        assert bank.load(A).balance == 104


def test_a_closed_snapshot_connection_does_not_fail_a_stored_command(tmp_path: Path) -> None:
    path = tmp_path / "snap.duckdb"
    with new_store(path) as store:
        side = DuckDBEventStore(path)
        snapshots = DuckDBSnapshotStore(side)
        bank = Bank(store, new_id=SequentialIds(), snapshot_every=1, snapshots=snapshots)
        bank.handle(OpenAccount(A, "Ann", 100))
        side.close()
        with pytest.warns(SnapshotNotSaved):
            bank.handle(DepositMoney(A, 5))
        assert len(rows(store)) == 2


# -- 4. appends and a user's transaction that is rolled back -----------------------------------
def test_a_rolled_back_user_transaction_does_not_take_an_accepted_command_with_it(
    any_store: SqlStore,
) -> None:
    store = any_store
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 100))
    conn = store.connection
    conn.execute("CREATE TABLE notes (t TEXT)")
    conn.execute("BEGIN TRANSACTION")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    accepted = bank.handle(DepositMoney(A, 5))
    conn.execute("ROLLBACK")
    assert bank.load(A).balance == 105
    assert [r[0] for r in rows(store)] == [1, accepted.position] == [1, 2]
    assert bank.handle(DepositMoney(A, 1)).position == 3
    assert gap_free(store)


def test_a_projection_that_commands_and_fails_loses_no_accepted_command(
    any_store: SqlStore,
) -> None:
    store = any_store
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 100))

    class Commanding:
        name = "commanding"
        tables = ("commanding",)

        def create(self, conn: Any) -> None:
            conn.execute("CREATE TABLE IF NOT EXISTS commanding (n BIGINT)")

        def apply(self, conn: Any, source: str) -> None:
            bank.handle(DepositMoney(A, 7))  # a side effect a projection should not have
            raise RuntimeError("the projection fails after its command was accepted")

    projector = Projector(store, [Commanding()])
    with pytest.raises(RuntimeError):
        projector.step()
    assert bank.load(A).balance == 107
    assert bank.handle(DepositMoney(A, 1)).position == 3
    assert gap_free(store)


def test_an_aborted_user_transaction_does_not_break_the_store(store: DuckDBEventStore) -> None:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 100))
    projector = Projector(store, standard_projections())
    conn = store.connection
    conn.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.Error):
        conn.execute("SELECT * FROM no_such_table")
    # The user's own connection is aborted; the store's work is not.
    assert bank.handle(DepositMoney(A, 5)).position == 2
    assert projector.run() == 2 * 3  # two events, three projections
    assert Queries(store).balance(A).value["balance"].tolist() == [105]
    conn.execute("ROLLBACK")


# -- 5. one database, one shared writer -----------------------------------------------------------
def test_the_empty_path_is_memory_and_two_of_them_do_not_share_a_head() -> None:
    with DuckDBEventStore("") as first, DuckDBEventStore("") as second:
        Bank(first, new_id=SequentialIds()).handle(OpenAccount(A, "Ann", 1))
        assert Bank(second, new_id=SequentialIds()).handle(OpenAccount(A, "Ann", 1)).position == 1
        assert positions(second) == [1]


def test_a_hard_link_to_the_same_file_shares_one_database(tmp_path: Path) -> None:
    path = tmp_path / "bank.duckdb"
    link = tmp_path / "link.duckdb"
    with new_store(path) as store:
        Bank(store, new_id=SequentialIds()).handle(OpenAccount(A, "Ann", 100))
        os.link(path, link)
        with DuckDBEventStore(link) as linked:
            done = Bank(linked, new_id=SequentialIds(prefix=0xB)).handle(DepositMoney(A, 5))
            assert done.position == 2
            assert len(rows(store)) == 2
    with DuckDBEventStore(path) as reopened:
        assert positions(reopened) == [1, 2]
        assert Bank(reopened).load(A).balance == 105


def test_named_memory_databases_share_one_head() -> None:
    with DuckDBEventStore(":memory:shared") as first, DuckDBEventStore(":memory:shared") as again:
        Bank(first, new_id=SequentialIds()).handle(OpenAccount(A, "Ann", 1))
        assert (
            Bank(again, new_id=SequentialIds(prefix=0xB)).handle(DepositMoney(A, 1)).position == 2
        )


# -- typed errors everywhere ----------------------------------------------------------------------
def test_balance_changes_of_a_lifetime_beyond_int64(store: DuckDBEventStore) -> None:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 0))
    bank.handle(DepositMoney(A, INT64_MAX))
    bank.handle(WithdrawMoney(A, INT64_MAX))
    bank.handle(DepositMoney(A, 1))
    frame = balance_changes(store)
    assert frame["money_in"].tolist() == [INT64_MAX + 1]
    assert frame["money_out"].tolist() == [INT64_MAX]
    assert frame["balance"].tolist() == [1]


@pytest.mark.parametrize("threads", [2**40, 257, 0, -1, True, 2.0])
def test_threads_out_of_range_is_refused(threads: Any) -> None:
    with pytest.raises(InvalidArgument, match="threads"):
        DuckDBEventStore(threads=threads)


def test_daily_totals_before_any_projector_says_stale(store: DuckDBEventStore) -> None:
    with pytest.raises(ReadModelStale, match="Projector"):
        Queries(store).daily_totals(A)


@pytest.mark.parametrize("big", [2**63, 2**64])
def test_ints_beyond_int64_are_refused(store: DuckDBEventStore, big: int) -> None:
    small_history(store)
    projector = Projector(store, standard_projections())
    with pytest.raises(InvalidArgument, match="limit"):
        store.read_all(limit=big)
    with pytest.raises(InvalidArgument, match="max_events"):
        projector.step(max_events=big)
    projector.run()
    with pytest.raises(InvalidArgument, match="n must"):
        Queries(store).top_accounts(big)


@pytest.mark.parametrize(
    "clock",
    [lambda: datetime(2026, 1, 5), lambda: "2026-01-05", lambda: 0, "not callable"],
)
def test_a_projector_clock_must_give_aware_datetimes(store: DuckDBEventStore, clock: Any) -> None:
    with pytest.raises(InvalidArgument, match="clock"):
        Projector(store, standard_projections(), clock=clock)


def test_a_projector_clock_that_goes_bad_later_is_a_typed_error(store: DuckDBEventStore) -> None:
    small_history(store)
    answers = iter([START, START, START, datetime(2026, 1, 5)])
    projector = Projector(store, standard_projections(), clock=lambda: next(answers, START))
    with pytest.raises(InvalidArgument, match="clock"):
        projector.run()


def test_a_store_clock_near_datetime_max_is_a_typed_error() -> None:
    edge = datetime.max.replace(tzinfo=timezone(timedelta(hours=-5)))
    with DuckDBEventStore(clock=lambda: edge) as store:
        with pytest.raises(EsbankError, match="clock"):
            Bank(store).handle(OpenAccount(A, "Ann", 1))
        assert rows(store) == []


@pytest.mark.parametrize("timeout", [math.nan, math.inf, -1.0, 10_000.0])
def test_balance_timeouts_must_be_finite(store: DuckDBEventStore, timeout: float) -> None:
    small_history(store)
    Projector(store, standard_projections())
    with pytest.raises(InvalidArgument, match="timeout"):
        Queries(store).balance(A, min_position=100, timeout=timeout)


def test_a_file_whose_events_table_has_another_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE events (id INTEGER, body TEXT)")
    conn.close()
    with pytest.raises(StoreError, match="events"):
        DuckDBEventStore(path)


CORRUPT_WAL_CHILD = """
import os, sys
from uuid import UUID
from esbank import Bank, DuckDBEventStore, OpenAccount
store = DuckDBEventStore(sys.argv[1])
bank = Bank(store)
for i in range(20):
    bank.open_account(f"Owner {i}", 100)
os._exit(0)  # no CHECKPOINT: the events are only in the write-ahead log
"""


def test_a_corrupt_wal_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "wal.duckdb"
    subprocess.run(
        [sys.executable, "-c", CORRUPT_WAL_CHILD, str(path)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(esbank.__file__).resolve().parents[1])},
    )
    wal = tmp_path / "wal.duckdb.wal"
    data = bytearray(wal.read_bytes())
    assert len(data) > 1_000
    for offset in range(len(data) // 2, len(data) // 2 + 64):
        data[offset] ^= 0xFF
    wal.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"(?i)wal") as info:
        DuckDBEventStore(path)
    assert "restore it from a copy" in str(info.value)


def test_a_file_held_read_only_in_this_process_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "ro.duckdb"
    with new_store(path):
        pass
    reader = duckdb.connect(str(path), read_only=True)
    try:
        with pytest.raises(StoreLocked, match="read-only"):
            DuckDBEventStore(path)
    finally:
        reader.close()


# -- also ---------------------------------------------------------------------------------------
def test_after_a_conflict_event_ids_are_looked_up_in_one_query(store: DuckDBEventStore) -> None:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle_batch([OpenAccount(UUID(int=0x1000 + i), f"C{i}", 10) for i in range(50)])
    Bank(store, new_id=SequentialIds(prefix=0xB)).handle(DepositMoney(UUID(int=0x1000), 1))
    statements: list[str] = []
    store.connection.execute("CALL truncate_duckdb_logs()")
    store.connection.execute("CALL enable_logging('QueryLog')")
    try:
        outcomes = bank.handle_batch([DepositMoney(UUID(int=0x1000 + i), 1) for i in range(50)])
    finally:
        store.connection.execute("CALL disable_logging()")
        statements = [
            m
            for (m,) in store.connection.execute(
                "SELECT message FROM duckdb_logs WHERE type = 'QueryLog' ORDER BY context_id"
            ).fetchall()
        ]
    assert [o.status for o in outcomes] == ["accepted"] * 50
    by_id = [s for s in statements if "WHERE event_id IN" in s]
    assert len(by_id) <= 1, by_id


def write_raw_deposit(store: DuckDBEventStore, payload: str) -> None:
    store.connection.execute(
        "INSERT INTO events VALUES (2, ?, 2, ?, 'MoneyDeposited', 3, ?, NULL, ?)",
        [A, UUID(int=0xD0), payload, START],
    )
    store.refresh()


def test_a_payload_with_a_duplicated_key_is_refused_by_every_reader(
    store: DuckDBEventStore,
) -> None:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 100))
    write_raw_deposit(store, '{"amount": 1, "amount": 2}')
    with pytest.raises(CorruptEvent, match="amount"):
        Bank(store).load(A)
    projector = Projector(store, standard_projections())
    with pytest.raises(CorruptEvent):
        projector.run()
    with pytest.raises(CorruptEvent, match="duplicate"):
        projector.rebuild_set_based("balances")


def test_recorded_at_follows_position_with_several_writer_threads(backend: Backend) -> None:
    ticks = iter(range(10**9))
    lock = threading.Lock()

    def clock() -> datetime:  # a real clock's order, without its resolution
        with lock:
            tick = next(ticks)
        return START + timedelta(microseconds=tick)

    with backend.store(clock=clock) as store:
        accounts = [UUID(int=0x900 + i) for i in range(4)]
        bank = Bank(store)
        for a in accounts:
            bank.handle(OpenAccount(a, "T", 0))

        def work(account: UUID) -> None:
            for _ in range(60):
                bank.handle(DepositMoney(account, 1))

        threads = [threading.Thread(target=work, args=(a,)) for a in accounts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        times = [r.recorded_at for r in store.read_all()]
        assert times == sorted(times)


def test_loading_a_long_stream_reads_it_in_pages(
    store: DuckDBEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 0))
    bank.handle_batch([DepositMoney(A, 1) for _ in range(2_500)])
    from esbank.app import snapshots as snapshots_module

    monkeypatch.setattr(snapshots_module, "LOAD_PAGE", 1_000)
    sizes: list[int] = []
    real = store.stream_events

    def counting(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        sizes.append(len(found))
        return found

    monkeypatch.setattr(store, "stream_events", counting)
    state = Bank(store).load(A)
    assert state.version == 2_501 and state.balance == 2_500
    assert max(sizes) <= 1_000
    assert sum(sizes) == 2_501


@pytest.mark.parametrize("amount", [-(2**63) - 1, 10**40])
def test_deposits_over_any_int_answers(store: DuckDBEventStore, amount: int) -> None:
    small_history(store)
    found = deposits_over(store, amount)
    assert len(found) == (10 if amount < 0 else 0)
