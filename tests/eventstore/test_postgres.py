"""What only the PostgreSQL store has to prove: the writer lock keeps a tailing reader whole,
NOTIFY wakes subscribers, a lost connection, a restarted server, a lost COMMIT and a held lock
all surface as typed ``StoreError``s, and the tables have the shapes the notebook shows.

The suite the two backends share is elsewhere (test_store_contract.py and the app tests);
these run on PostgreSQL only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from backends import Backend
from support import rows

from esbank import (
    ANY,
    AccountOpened,
    Bank,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    MoneyDeposited,
    PostgresEventStore,
    StoreError,
    StoreLocked,
    migrate,
)
from esbank.eventstore.postgres import CHANNEL, OutcomeUnknown
from esbank.eventstore.postgres_server import (
    ServerUnavailable,
    binaries,
    fresh_database,
    remove_stale_folders,
    start_throwaway,
)

pytestmark = pytest.mark.only_postgres("PostgreSQL's own behaviour")
REPO = Path(__file__).resolve().parents[2]
A = UUID(int=0xA)
OPEN = AccountOpened("Ada", 100)


def test_import_esbank_never_imports_psycopg() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, esbank; print('psycopg' in sys.modules)"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert done.stdout.strip() == "False"


def test_a_tailing_reader_never_misses_an_event_of_four_writers(backend: Backend) -> None:
    """The bigserial trap does not happen here: positions become visible in order."""
    store = backend.store()
    writers, per_writer = 4, 60
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            for i in range(per_writer):
                store.append(UUID(int=k * 1000 + i), [OPEN], expected_version=0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def tail() -> None:
        try:
            while True:
                finished = done.is_set()
                # read_all refuses a gap (CorruptEvent), so a skipped row would fail here
                batch = store.read_all(after_position=seen[-1] if seen else 0)
                seen.extend(r.position for r in batch)
                if finished and not batch:
                    return
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    reader = threading.Thread(target=tail)
    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join(timeout=60)
    assert errors == []
    assert seen == list(range(1, writers * per_writer + 1))


def test_every_append_notifies_the_channel_with_the_new_head(backend: Backend) -> None:
    store = backend.store()
    with psycopg.connect(backend.target(), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        store.append(A, [OPEN, MoneyDeposited(1)], expected_version=0)
        store.append(A, [MoneyDeposited(2)], expected_version=2)
        got = [n.payload for n in listener.notifies(timeout=5, stop_after=2)]
    assert got == ["2", "3"]


def _terminate_sessions(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def test_a_lost_connection_is_a_store_error_and_the_next_call_reconnects(
    backend: Backend,
) -> None:
    store = backend.store()
    store.append(A, [OPEN], expected_version=0)
    assert _terminate_sessions(backend.target()) >= 1
    with pytest.raises(StoreError) as info:
        store.read_all()
    assert "connection to PostgreSQL was lost" in str(info.value)
    assert isinstance(info.value.__cause__, psycopg.OperationalError)
    # The broken connections were dropped: the store works again without being reopened.
    assert store.append(A, [MoneyDeposited(1)], expected_version=1).positions == (2,)
    assert [r.position for r in store.read_all()] == [1, 2]


@pytest.fixture
def own_server() -> Iterator[Any]:
    if binaries() is None:
        pytest.skip("a restart needs a server this test starts itself (Debian's postgresql)")
    try:
        server = start_throwaway()
    except ServerUnavailable as exc:  # pragma: no cover - the run's own server started
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


def test_a_restarted_server_is_a_store_error_then_the_store_goes_on(own_server: Any) -> None:
    with PostgresEventStore(fresh_database(own_server.conninfo)) as store:
        store.append(A, [OPEN], expected_version=0)
        pid = own_server.pid
        own_server.restart()
        assert own_server.pid != pid
        with pytest.raises(StoreError, match="connection to PostgreSQL was lost"):
            store.append(A, [MoneyDeposited(1)], expected_version=1)
        assert store.append(A, [MoneyDeposited(1)], expected_version=1).positions == (2,)
        assert [r.event for r in store.read_stream(A)] == [OPEN, MoneyDeposited(1)]


def test_a_stopped_server_is_a_store_error(own_server: Any) -> None:
    store = PostgresEventStore(fresh_database(own_server.conninfo), wait_timeout=0.5)
    own_server.shutdown()
    with pytest.raises(StoreError) as info:
        store.head_position()
    assert "the server is down or unreachable" in str(info.value)
    assert not isinstance(info.value.__cause__, StoreError)
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL"):
        PostgresEventStore(own_server.conninfo, lock_timeout=1)
    store.close()


class CommitAnswerLost(PostgresEventStore):
    """COMMIT reaches the server, but the answer never comes back."""

    def _commit(self, raw: Any) -> None:
        raw.execute("COMMIT")
        raise psycopg.OperationalError("server closed the connection unexpectedly")


class CommitNeverSent(PostgresEventStore):
    """The connection breaks before COMMIT: the server rolls the transaction back."""

    def _commit(self, raw: Any) -> None:
        raw.execute("ROLLBACK")
        raise psycopg.OperationalError("server closed the connection unexpectedly")


def test_a_lost_commit_answer_is_resolved_by_the_event_ids(backend: Backend) -> None:
    backend.store().append(A, [OPEN], expected_version=0)
    with CommitAnswerLost(backend.target()) as store:
        result = store.append(A, [MoneyDeposited(5), MoneyDeposited(6)], expected_version=1)
        assert (result.new_version, result.positions) == (3, (2, 3))
        assert [r.event for r in store.read_stream(A)] == [
            OPEN,
            MoneyDeposited(5),
            MoneyDeposited(6),
        ]
    # Bank.handle with an idempotency key: the retry is answered, never doubled.
    with CommitAnswerLost(backend.target()) as store:
        bank = Bank(store)
        key = UUID(int=0x1DE)
        first = bank.handle(DepositMoney(A, 7), idempotency_key=key)
        assert bank.handle(DepositMoney(A, 7), idempotency_key=key) == first
        assert len(store.read_stream(A)) == 4


def test_a_commit_that_never_happened_says_nothing_was_stored(backend: Backend) -> None:
    plain = backend.store()
    plain.append(A, [OPEN], expected_version=0)
    before = rows(plain)
    with CommitNeverSent(backend.target()) as store, pytest.raises(StoreError) as info:
        store.append(A, [MoneyDeposited(5)], expected_version=1)
    assert not isinstance(info.value, OutcomeUnknown)
    assert "none of its events is stored" in str(info.value)
    assert isinstance(info.value.__cause__, psycopg.OperationalError)
    assert rows(plain) == before
    assert plain.append(A, [MoneyDeposited(5)], expected_version=1).positions == (2,)


def test_a_writer_lock_held_too_long_is_store_locked(backend: Backend) -> None:
    store = PostgresEventStore(backend.target(), lock_timeout=0.2)
    backend.opened.append(store)
    with psycopg.connect(backend.target(), autocommit=True) as other:
        other.execute("BEGIN")
        other.execute("LOCK TABLE events IN EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(StoreLocked) as info:
            store.append(A, [OPEN], expected_version=0)
        assert time.monotonic() - started < 5
        assert "lock_timeout" in str(info.value)
        assert store.read_all() == []  # readers never wait for the writer lock
        other.execute("ROLLBACK")
    assert store.append(A, [OPEN], expected_version=0).positions == (1,)


def test_a_statement_error_is_a_store_error_with_psycopgs_error_as_cause(
    backend: Backend,
) -> None:
    store = backend.store()
    with pytest.raises(StoreError) as info:
        store.sql("SELEC 1")
    assert isinstance(info.value.__cause__, psycopg.errors.SyntaxError)
    with pytest.raises(StoreError) as info, store.transaction() as conn:
        conn.execute("SELECT 1 / 0")
    assert isinstance(info.value.__cause__, psycopg.errors.DivisionByZero)
    assert store.sql("SELECT 1") == [(1,)]


def test_another_events_table_is_refused(backend: Backend) -> None:
    with psycopg.connect(backend.target(), autocommit=True) as conn:
        conn.execute("CREATE TABLE events (aggregate_id UUID, version BIGINT, payload JSONB)")
    with pytest.raises(StoreError, match="events table of another shape"):
        PostgresEventStore(backend.target())


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="conninfo must be a libpq connection string"):
        PostgresEventStore(42)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL"):
        PostgresEventStore("host=/nonexistent/esbank port=1 connect_timeout=1")


def test_the_tables_have_the_notebooks_shapes(backend: Backend) -> None:
    store = backend.store()
    store.snapshot_store()

    def columns(table: str) -> dict[str, str]:
        found = store.sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema() ORDER BY ordinal_position",
            [table],
        )
        return dict(found)

    assert columns("events") == {
        "position": "bigint",
        "aggregate_id": "uuid",
        "version": "bigint",
        "event_id": "uuid",
        "event_type": "text",
        "schema_version": "integer",
        "payload": "jsonb",
        "metadata": "jsonb",
        "recorded_at": "timestamp with time zone",
    }
    assert columns("snapshots") == {
        "aggregate_id": "uuid",
        "version": "bigint",
        "schema_version": "integer",
        "state": "jsonb",
        "created_at": "timestamp with time zone",
    }
    keys = store.sql(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'events'::regclass ORDER BY 1"
    )
    assert sorted(k for (k,) in keys) == [
        'PRIMARY KEY ("position")',
        "UNIQUE (aggregate_id, version)",
        "UNIQUE (event_id)",
    ]


def test_stores_on_two_databases_are_not_the_same_database(backend: Backend) -> None:
    one, two = backend.store(), backend.fresh()
    assert one.same_database(backend.store())
    assert not one.same_database(two)
    assert not one.same_database(DuckDBEventStore())


def test_a_duckdb_store_migrates_into_postgresql(backend: Backend) -> None:
    with DuckDBEventStore() as duck:
        bank = Bank(duck)
        account = bank.open_account("Ada", 100).aggregate_id
        bank.handle_batch([DepositMoney(account, n) for n in range(1, 30)])
        duck.append(UUID(int=0xB), [OPEN], expected_version=ANY, metadata={"k": "v"})
        report = migrate(duck, backend.store(), page=7)
        assert report.events == 31
        target = backend.store()
        assert target.read_all() == duck.read_all()
        assert Bank(target).load(account) == bank.load(account)


def test_the_throwaway_server_runs_as_postgres_without_tcp(backend: Backend) -> None:
    if "esbank-pg-" not in os.environ.get("ESBANK_PG_DSN", ""):
        pytest.skip("ESBANK_PG_DSN names a server this run did not start")
    store = backend.store()
    settings = dict(
        store.sql(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('listen_addresses', 'fsync', 'unix_socket_directories') ORDER BY name"
        )
    )
    assert settings["listen_addresses"] == ""
    assert settings["fsync"] == "off"
    assert "esbank-pg-" in settings["unix_socket_directories"]


def test_stream_events_are_the_events_of_read_stream(backend: Backend) -> None:
    store = backend.store()
    store.append(A, [OPEN, MoneyDeposited(1), MoneyDeposited(2)], expected_version=0)
    assert store.stream_events(A) == [r.event for r in store.read_stream(A)]
    assert store.stream_events(A, from_version=2, to_version=2) == [MoneyDeposited(1)]
    with store.transaction(bulk=True) as conn:  # accepted; the server picks its own workers
        assert conn.execute("SELECT count(*) FROM events").fetchall() == [(3,)]


def test_a_throwaway_folder_left_behind_is_removed_once_stale(tmp_path: Path) -> None:
    """Jupyter stops a kernel's children (our server) without the kernel's atexit: the folder
    stays. The next start removes such folders, never one whose server runs, nor a new one."""
    gone, running, fresh = (tmp_path / f"esbank-pg-{n}" for n in ("gone", "running", "fresh"))
    for folder in (gone, running, fresh):
        (folder / "data").mkdir(parents=True)
    (running / "data" / "postmaster.pid").write_text("123\n")
    old = time.time() - 3600
    for folder in (gone, running):
        os.utime(folder, (old, old))
    assert remove_stale_folders(tmp_path) == [gone]
    assert not gone.exists() and running.exists() and fresh.exists()
