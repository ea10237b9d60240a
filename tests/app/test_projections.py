"""The Projector: read models that always agree with the write side, exactly once.

Every read model is checked against what the write side says (``Bank.load``, ``Bank.history``,
a pure-Python grouping by UTC day). Rebuilds (batch path and set-based SQL) give tables
identical to the live ones. A failure anywhere inside a batch (the projection's SQL, the
checkpoint UPDATE, the COMMIT, a killed process) leaves that projection exactly as it was, and
a restarted projector ends where a from-scratch rebuild ends: no event applied twice, none
skipped. All of it runs on both backends; reopening a DuckDB file is DuckDB's own.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import pandas as pd
import pytest
from backends import Backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esbank import (
    INT64_MAX,
    Bank,
    CloseAccount,
    DepositMoney,
    DomainError,
    DuckDBEventStore,
    InvalidArgument,
    OpenAccount,
    Projector,
    WithdrawMoney,
    standard_projections,
)
from esbank.app.projections import BATCH_COLUMNS, Lag, StepResult, batch_frame, batch_from_log
from esbank.app.read_models import AccountBalances, AccountStatement, DailyTotals
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Five hours between events: a history of a few dozen events spans several UTC days, and
# some accounts have more than one event on one day.
STEP = timedelta(hours=5)
A, B, C, D = (UUID(int=0xA0 + i) for i in range(4))
ACCOUNTS = [A, B, C, D]
NAMES = ["balances", "statement", "daily_totals"]
TABLES = {
    "balances": "account_balances",
    "statement": "account_statement",
    "daily_totals": "daily_totals",
}


class InjectedFailure(Exception):
    """The failure a test injects into a batch."""


def new_store(path: str | Path = ":memory:") -> DuckDBEventStore:
    return DuckDBEventStore(path, clock=StepClock(START, STEP), new_id=SequentialIds(prefix=0xE))


def backend_store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START, STEP), new_id=SequentialIds(prefix=0xE))


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend_store(backend)


def make_history(bank: Bank) -> None:
    """27 events over four accounts and several days: singles, a batch, a refusal, a close."""
    bank.handle(OpenAccount(A, "Ann", 1_000))
    bank.handle(OpenAccount(B, "Bob"))
    bank.handle(DepositMoney(A, 250))
    bank.handle(DepositMoney(B, 4_000))
    bank.handle(WithdrawMoney(A, 700))
    bank.handle_batch(
        [
            OpenAccount(C, "Cyd", 10),
            DepositMoney(C, 5),
            WithdrawMoney(C, 10_000),  # refused: writes nothing
            WithdrawMoney(B, 1_500),
            OpenAccount(D, "Dee", 300),
        ]
    )
    for amount in (11, 22, 33, 44, 55):
        bank.handle(DepositMoney(A, amount))
        bank.handle(WithdrawMoney(B, amount))
    bank.handle(WithdrawMoney(D, 300))
    bank.handle(CloseAccount(D))
    bank.handle(DepositMoney(C, INT64_MAX - 15))  # the largest balance an account may hold
    bank.handle(WithdrawMoney(C, 1))
    bank.handle(DepositMoney(B, 7))
    bank.handle(WithdrawMoney(A, 3))
    bank.handle_batch([DepositMoney(A, 1), DepositMoney(B, 2)])


def table(store: SqlStore, name: str) -> list[tuple[Any, ...]]:
    return sorted(store.connection.execute(f"SELECT * FROM {name}").fetchall())


def checkpoints(store: SqlStore) -> dict[str, int]:
    rows = store.connection.execute("SELECT name, position FROM projection_checkpoints").fetchall()
    return dict(rows)


def read_models(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    return {name: table(store, t) for name, t in TABLES.items()}


def expected_daily_totals(bank: Bank, accounts: Sequence[UUID]) -> list[tuple[Any, ...]]:
    """Deposits, withdrawals and events per account and UTC day, grouped in Python."""
    groups: dict[tuple[UUID, Any], list[int]] = defaultdict(lambda: [0, 0, 0])
    for account in accounts:
        for r in bank.store.read_stream(account):
            totals = groups[(account, r.recorded_at.astimezone(UTC).date())]
            if r.event_type == "MoneyDeposited":
                totals[0] += r.event.amount
            elif r.event_type == "MoneyWithdrawn":
                totals[1] += r.event.amount
            totals[2] += 1
    return sorted((a, day, *totals) for (a, day), totals in groups.items())


def assert_matches_write_side(store: SqlStore, bank: Bank, accounts: Sequence[UUID]) -> None:
    """Every read model says what the write side says, for every account."""
    opened = [a for a in accounts if store.stream_version(a)]
    balances = {
        row[0]: row[1:]
        for row in store.connection.execute(
            "SELECT aggregate_id, owner, balance, version, is_closed, last_activity "
            "FROM account_balances"
        ).fetchall()
    }
    assert sorted(balances) == sorted(opened)
    for account in opened:
        state = bank.load(account)
        last = store.read_stream(account)[-1].recorded_at
        assert balances[account] == (
            state.owner,
            state.balance,
            state.version,
            state.is_closed,
            last,
        )
        history = bank.history(account)
        statement = store.query(
            "SELECT version, position, recorded_at, event_type, change, balance "
            "FROM account_statement WHERE aggregate_id = ? ORDER BY version",
            [account],
        )
        assert statement.to_dict("records") == history.to_dict("records")
    assert table(store, "daily_totals") == expected_daily_totals(bank, opened)


def assert_equals_rebuilds(store: SqlStore, *, batch_size: int = 1_000) -> None:
    """Live tables == batch-path rebuild == set-based rebuild, for every projection."""
    projector = Projector(store, standard_projections(), batch_size=batch_size)
    head = store.head_position()
    for name in projector.projections:
        live = table(store, TABLES[name])
        assert projector.checkpoint(name) == head
        assert projector.rebuild(name) == head
        assert table(store, TABLES[name]) == live, f"{name}: batch rebuild differs"
        assert projector.rebuild_set_based(name) == head
        assert table(store, TABLES[name]) == live, f"{name}: set-based rebuild differs"
        assert projector.checkpoint(name) == head


# -- read models against the write side ----------------------------------------------------
def run_and_check(store: SqlStore) -> None:
    """Project a history, check it, write more, catch up, check again and rebuild."""
    bank = Bank(store, new_id=SequentialIds())
    make_history(bank)
    projector = Projector(store, standard_projections(), batch_size=7)
    assert projector.run() == 3 * 27
    assert_matches_write_side(store, bank, ACCOUNTS)
    # More commands, then catch up again from the checkpoints.
    bank.handle(DepositMoney(A, 5))
    bank.handle(WithdrawMoney(C, INT64_MAX - 100))
    assert projector.run() == 3 * 2
    assert_matches_write_side(store, bank, ACCOUNTS)
    assert_equals_rebuilds(store)


def test_read_models_equal_the_write_side(backend: Backend) -> None:
    store = backend_store(backend)
    run_and_check(store)
    # Another store object on the same database sees the read models and checkpoints.
    other = backend.store()
    assert Projector(other, standard_projections()).run() == 0
    assert_matches_write_side(other, Bank(other), ACCOUNTS)


def test_read_models_are_in_the_file_after_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bank.duckdb"
    with new_store(path) as store:
        run_and_check(store)
    with new_store(path) as store:
        projector = Projector(store, standard_projections())
        assert projector.run() == 0
        assert_matches_write_side(store, Bank(store), ACCOUNTS)


def test_daily_totals_hold_a_day_whose_sum_exceeds_int64(backend: Backend) -> None:
    # Each amount and every balance fits in int64; the day's deposits (2 * INT64_MAX) do not.
    store = backend.store(clock=StepClock(START, timedelta(seconds=1)))
    bank = Bank(store)
    bank.handle(OpenAccount(A, "Ann"))
    for command in (DepositMoney(A, INT64_MAX), WithdrawMoney(A, INT64_MAX)) * 2:
        bank.handle(command)
    projector = Projector(store, standard_projections(), batch_size=2)
    assert projector.run() == 3 * 5
    assert table(store, "daily_totals") == [(A, START.date(), 2 * INT64_MAX, 2 * INT64_MAX, 5)]
    assert_matches_write_side(store, bank, [A])
    assert_equals_rebuilds(store)


def test_batch_frame_has_one_row_per_event_with_signed_change(store: SqlStore) -> None:
    make_history(Bank(store, new_id=SequentialIds()))
    events = store.read_all()
    frame = batch_frame(events)
    assert list(frame.columns) == BATCH_COLUMNS
    assert frame["position"].tolist() == list(range(1, 28))
    assert frame["change"].dtype == "int64"
    opened = frame[frame["event_type"] == "AccountOpened"]
    assert opened["owner"].tolist() == ["Ann", "Bob", "Cyd", "Dee"]
    assert opened["change"].tolist() == [1_000, 0, 10, 300]
    withdrawn = frame[frame["event_type"] == "MoneyWithdrawn"]
    assert (withdrawn["change"] < 0).all() and withdrawn["owner"].isna().all()
    assert frame["closes"].tolist() == [r.event_type == "AccountClosed" for r in events]


# -- checkpoints, steps, lag -----------------------------------------------------------------
def test_checkpoints_advance_one_batch_per_step(store: SqlStore) -> None:
    make_history(Bank(store, new_id=SequentialIds()))
    projector = Projector(store, standard_projections(), batch_size=10)
    assert checkpoints(store) == dict.fromkeys(NAMES, 0)
    assert projector.step() == [StepResult(n, 10, 10) for n in NAMES]
    assert checkpoints(store) == dict.fromkeys(NAMES, 10)
    # The first ten events are applied, and only they.
    assert store.query("SELECT max(position) AS p FROM account_statement")["p"][0] == 10
    assert projector.step() == [StepResult(n, 10, 20) for n in NAMES]
    assert projector.step() == [StepResult(n, 7, 27) for n in NAMES]
    assert projector.step() == [StepResult(n, 0, 27) for n in NAMES]
    assert [projector.checkpoint(n) for n in NAMES] == [27, 27, 27]


def test_step_max_events_overrides_the_batch_size(store: SqlStore) -> None:
    make_history(Bank(store, new_id=SequentialIds()))
    projector = Projector(store, standard_projections(), batch_size=100)
    assert projector.step(max_events=3) == [StepResult(n, 3, 3) for n in NAMES]
    assert projector.step(max_events=1) == [StepResult(n, 1, 4) for n in NAMES]
    assert store.query("SELECT count(*) AS n FROM account_statement")["n"][0] == 4
    assert projector.step() == [StepResult(n, 23, 27) for n in NAMES]
    for bad in (0, -1, True, 2.0):
        with pytest.raises(InvalidArgument, match="max_events"):
            projector.step(max_events=bad)  # type: ignore[arg-type]
    assert projector.checkpoint("balances") == 27


def test_projections_with_their_own_checkpoints(store: SqlStore) -> None:
    bank = Bank(store, new_id=SequentialIds())
    make_history(bank)
    Projector(store, [AccountBalances()], batch_size=5).run()
    # A projector added later starts its new projection at 0, the old one where it was.
    projector = Projector(store, [AccountBalances(), DailyTotals()], batch_size=5)
    assert checkpoints(store) == {"balances": 27, "daily_totals": 0}
    assert projector.step() == [StepResult("balances", 0, 27), StepResult("daily_totals", 5, 5)]
    projector.run()
    assert table(store, "daily_totals") == expected_daily_totals(bank, ACCOUNTS)


def test_lag_counts_events_and_seconds_behind(store: SqlStore) -> None:
    make_history(Bank(store, new_id=SequentialIds()))
    projector = Projector(
        store,
        standard_projections(),
        batch_size=10,
        lag_threshold=17,
        clock=StepClock(START + timedelta(days=30), timedelta(0)),
    )
    at = START + timedelta(days=10)
    assert projector.lag("balances", now=at) == Lag(
        "balances", 0, 27, 27, (at - START).total_seconds(), 17, False
    )
    projector.step()  # checkpoint 10: the oldest unapplied event is position 11
    eleventh = store.read_all(after_position=10, limit=1)[0].recorded_at
    assert START < eleventh < at
    lag = projector.lag("statement", now=at)
    assert (lag.checkpoint, lag.head, lag.events_behind) == (10, 27, 17)
    assert lag.seconds_behind == (at - eleventh).total_seconds()
    assert lag.healthy and lag.status == "healthy"  # 17 behind, threshold 17
    # Without ``now`` the projector's own clock measures.
    own = START + timedelta(days=30)
    assert projector.lag("statement").seconds_behind == (own - eleventh).total_seconds()
    # A ``now`` before the oldest unapplied event is not a negative lag.
    assert projector.lag("statement", now=START).seconds_behind == 0.0
    projector.step(max_events=1)
    lag = projector.lag("daily_totals", now=at)
    assert (lag.events_behind, lag.healthy) == (16, True)
    frame = projector.lags(now=at)
    assert list(frame.columns) == [
        "projection",
        "checkpoint",
        "head",
        "events_behind",
        "seconds_behind",
        "status",
    ]
    assert frame["projection"].tolist() == NAMES
    assert frame["events_behind"].tolist() == [16, 16, 16]
    assert frame["head"].tolist() == [27, 27, 27]
    projector.run()
    caught_up = projector.lags(now=at)
    assert caught_up["events_behind"].tolist() == [0, 0, 0]
    assert caught_up["seconds_behind"].tolist() == [0.0, 0.0, 0.0]
    assert caught_up["status"].tolist() == ["healthy"] * 3


def test_lag_goes_unhealthy_past_the_threshold(store: SqlStore) -> None:
    bank = Bank(store, new_id=SequentialIds())
    projector = Projector(store, [AccountBalances()], lag_threshold=3)
    bank.handle(OpenAccount(A, "Ann"))
    for amount in (1, 2):
        bank.handle(DepositMoney(A, amount))
    assert projector.lag("balances").status == "healthy"  # 3 behind
    bank.handle(DepositMoney(A, 3))
    lag = projector.lag("balances")
    assert (lag.events_behind, lag.healthy, lag.status) == (4, False, "behind")
    assert projector.lags()["status"].tolist() == ["behind"]


# -- reset and rebuild ------------------------------------------------------------------------
def test_reset_empties_one_projection_and_its_checkpoint(store: SqlStore) -> None:
    bank = Bank(store, new_id=SequentialIds())
    make_history(bank)
    projector = Projector(store, standard_projections())
    projector.run()
    before = read_models(store)
    projector.reset("statement")
    assert table(store, "account_statement") == []
    assert checkpoints(store) == {"balances": 27, "statement": 0, "daily_totals": 27}
    assert read_models(store)["balances"] == before["balances"]
    assert read_models(store)["daily_totals"] == before["daily_totals"]
    assert projector.run() == 27  # only the reset projection catches up again
    assert read_models(store) == before


def test_rebuilds_give_the_live_tables(store: SqlStore) -> None:
    bank = Bank(store, new_id=SequentialIds())
    make_history(bank)
    projector = Projector(store, standard_projections(), batch_size=4)
    projector.run()
    live = read_models(store)
    assert_equals_rebuilds(store, batch_size=4)
    assert read_models(store) == live
    assert_matches_write_side(store, bank, ACCOUNTS)


def test_rebuild_of_an_empty_log(store: SqlStore) -> None:
    projector = Projector(store, standard_projections())
    assert projector.rebuild("balances") == 0
    assert projector.rebuild_set_based("statement") == 0
    assert read_models(store) == {name: [] for name in NAMES}
    assert checkpoints(store) == dict.fromkeys(NAMES, 0)


def write_v1_deposit(store: SqlStore, account: UUID, version: int) -> None:
    """A MoneyDeposited row as the prototype stored it: schema v1, float euros."""
    head = store.head_position()
    store.connection.execute(
        "INSERT INTO events VALUES (?, ?, ?, ?, 'MoneyDeposited', 1, ?, NULL, ?)",
        [
            head + 1,
            account,
            version,
            UUID(int=0xF00D),
            json.dumps({"amount_eur": 25.1}),
            START + timedelta(days=20),
        ],
    )
    store.refresh()


def test_set_based_rebuild_refuses_old_schema_rows_the_batch_path_upcasts(
    store: SqlStore,
) -> None:
    bank = Bank(store, new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 1_000))
    write_v1_deposit(store, A, 2)
    bank.handle(DepositMoney(A, 5))
    projector = Projector(store, standard_projections(), batch_size=2)
    projector.run()  # the live path reads through the store, which upcasts
    live = read_models(store)
    assert live["balances"][0][2] == 1_000 + 2_510 + 5
    with pytest.raises(InvalidArgument, match=r"1 MoneyDeposited v1") as refused:
        projector.rebuild_set_based("balances")
    assert "Projector.rebuild" in str(refused.value)
    assert read_models(store) == live  # a refusal changes nothing
    assert checkpoints(store) == dict.fromkeys(NAMES, 3)
    for name in NAMES:
        assert projector.rebuild(name) == 3
    assert read_models(store) == live
    assert store.query("SELECT balance FROM account_balances")["balance"].tolist() == [3_515]
    assert_matches_write_side(store, bank, [A])


# -- exactly once under failure ---------------------------------------------------------------
class FailingStatement(AccountStatement):
    """AccountStatement whose ``apply`` raises after its INSERT, on call number ``fail_at``."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at
        self.calls = 0

    def apply(self, conn: duckdb.DuckDBPyConnection, source: str) -> None:
        super().apply(conn, source)
        self.calls += 1
        if self.calls == self.fail_at:
            raise InjectedFailure(self.name)


class HookedConnection:
    """A DuckDB connection that fails one chosen statement of one chosen batch."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, hook: Hook) -> None:
        self._conn = conn
        self._hook = hook

    def execute(self, sql: str, parameters: Any = None) -> Any:
        self._hook.before(sql, parameters)
        result = (
            self._conn.execute(sql, parameters)
            if parameters is not None
            else (self._conn.execute(sql))
        )
        self._hook.after(sql, parameters)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class Hook:
    """Fails the ``fail_at``-th batch: its checkpoint UPDATE (before or after it ran) or its
    COMMIT. The failing projection's name is the exception's argument."""

    def __init__(self, where: str, fail_at: int) -> None:
        self.where, self.fail_at = where, fail_at
        self.updates = 0
        self.current: str | None = None

    def before(self, sql: str, parameters: Any) -> None:
        if sql.startswith("UPDATE projection_checkpoints SET position = ?, updated_at = ? "):
            self.updates += 1
            self.current = parameters[2]
            if self.where == "before update" and self.updates == self.fail_at:
                raise InjectedFailure(self.current)
        if sql == "COMMIT" and self.where == "commit" and self.updates == self.fail_at:
            self.updates += 1_000_000  # fail once
            raise InjectedFailure(self.current)

    def after(self, sql: str, parameters: Any) -> None:
        if (
            self.where == "after update"
            and sql.startswith("UPDATE projection_checkpoints SET position")
            and self.updates == self.fail_at
        ):
            raise InjectedFailure(self.current)


class Hooked:
    """Becomes a store's read-model transaction: while ``hook`` is set, it sees every
    statement of the transaction, and COMMIT just before the real one (a failure there rolls
    the transaction back, as a failed COMMIT does)."""

    def __init__(self, store: SqlStore) -> None:
        self.hook: Hook | None = None
        self._real = store.transaction
        store.transaction = self.transaction  # type: ignore[method-assign]

    @contextlib.contextmanager
    def transaction(self, frames: Any = None, *, bulk: bool = False) -> Iterator[Any]:
        hook = self.hook
        with self._real(frames, bulk=bulk) as conn:
            if hook is None:
                yield conn
                return
            yield HookedConnection(conn, hook)
            hook.before("COMMIT", None)


FAILURES = [
    (where, fail_at, batch)
    for where in ("apply", "before update", "after update", "commit")
    for fail_at, batch in ((1, 5), (4, 4), (1, 27))
] + [(where, 3, 27) for where in ("before update", "after update", "commit")]


@pytest.mark.parametrize(("where", "fail_at", "batch_size"), FAILURES)
def test_a_failed_batch_changes_nothing_and_a_restart_applies_it_once(
    backend: Backend, where: str, fail_at: int, batch_size: int
) -> None:
    store = backend_store(backend)
    hooked = Hooked(store)
    bank = Bank(store, new_id=SequentialIds())
    make_history(bank)
    projections: list[Any] = standard_projections()
    if where == "apply":
        projections[1] = FailingStatement(fail_at)
    else:
        hooked.hook = Hook(where, fail_at)
    projector = Projector(store, projections, batch_size=batch_size)
    failed: str | None = None
    while failed is None:
        hooked.hook, hook = None, hooked.hook
        before = read_models(store), checkpoints(store)
        hooked.hook = hook
        try:
            if sum(r.applied for r in projector.step()) == 0:
                break
        except InjectedFailure as failure:
            failed = failure.args[0]
    assert failed is not None, "the injected failure never fired"
    hooked.hook = None
    # The failed projection's tables and checkpoint are exactly as before the batch.
    assert read_models(store)[failed] == before[0][failed]
    assert checkpoints(store)[failed] == before[1][failed]
    assert checkpoints(store)[failed] < store.head_position()
    # Restart: a new projector on the same store, with healthy projections, runs to the end.
    restarted = Projector(store, standard_projections(), batch_size=batch_size + 1)
    restarted.run()
    assert checkpoints(store) == dict.fromkeys(NAMES, 27)
    assert store.query("SELECT sum(events) AS n FROM daily_totals")["n"][0] == 27
    assert_matches_write_side(store, bank, ACCOUNTS)
    assert_equals_rebuilds(store)


KILLED = """
import os, sys
from esbank import DuckDBEventStore, PostgresEventStore, Projector, standard_projections
from esbank.app.read_models import AccountStatement

class Dies(AccountStatement):
    calls = 0
    def apply(self, conn, source):
        super().apply(conn, source)
        Dies.calls += 1
        if Dies.calls == 3:
            os._exit(9)  # killed mid-batch: after the INSERT, before the checkpoint

kind = {"duckdb": DuckDBEventStore, "postgres": PostgresEventStore}[sys.argv[2]]
store = kind(sys.argv[1])
projections = standard_projections()
projections[1] = Dies()
Projector(store, projections, batch_size=4).run()
"""


def test_a_killed_projector_process_loses_the_batch_and_nothing_else(
    backend: Backend, tmp_path: Path
) -> None:
    path = str(tmp_path / "bank.duckdb") if not backend.is_postgres else backend.target()
    opened = new_store(path) if not backend.is_postgres else backend_store(backend)
    with opened as store:
        bank = Bank(store, new_id=SequentialIds())
        make_history(bank)
        Projector(store, standard_projections())
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED), path, backend.name],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 9, done.stderr.decode()
    with new_store(path) if not backend.is_postgres else backend.store() as store:
        # Each step gives every projection one batch of 4; statement died in the third step,
        # after balances had applied it and before daily_totals: two statement batches stand.
        assert checkpoints(store) == {"balances": 12, "statement": 8, "daily_totals": 8}
        assert len(table(store, "account_statement")) == 8
        projector = Projector(store, standard_projections(), batch_size=5)
        projector.run()
        assert_matches_write_side(store, Bank(store), ACCOUNTS)
        assert_equals_rebuilds(store)


# -- the property -----------------------------------------------------------------------------
amounts = st.one_of(st.integers(1, 5_000), st.sampled_from([INT64_MAX, INT64_MAX // 2]))
accounts = st.sampled_from(ACCOUNTS[:3])
commands = st.one_of(
    st.builds(OpenAccount, accounts, st.sampled_from(["Ann", "Bob"]), st.integers(0, 10_000)),
    st.builds(DepositMoney, accounts, amounts),
    st.builds(WithdrawMoney, accounts, amounts),
    st.builds(CloseAccount, accounts),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("handle"), commands),
        st.tuples(st.just("batch"), st.lists(commands, min_size=1, max_size=5)),
        st.tuples(st.just("step"), st.none() | st.integers(1, 6)),
        st.tuples(st.just("tick"), st.integers(1, 30)),
    ),
    max_size=25,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(operations, st.integers(1, 8))
def test_live_read_models_equal_set_based_rebuilds(
    backend: Backend, ops: list[tuple[str, Any]], batch_size: int
) -> None:
    clock = StepClock(START, timedelta(hours=3))
    with backend.fresh(clock=clock, new_id=SequentialIds(prefix=0xE)) as store:
        bank = Bank(store, new_id=SequentialIds())
        projector = Projector(store, standard_projections(), batch_size=batch_size)
        handlers: dict[str, Callable[[Any], object]] = {
            "batch": bank.handle_batch,
            "step": lambda n: projector.step(max_events=n),
            "tick": lambda hours: clock.advance(timedelta(hours=hours)),
        }
        for op, arg in ops:
            if op == "handle":
                with contextlib.suppress(DomainError):
                    bank.handle(arg)
            else:
                handlers[op](arg)
            head = store.head_position()
            assert all(0 <= c <= head for c in checkpoints(store).values())
        projector.run()
        assert_matches_write_side(store, bank, ACCOUNTS[:3])
        live = read_models(store)
        for name in NAMES:
            assert projector.rebuild_set_based(name) == store.head_position()
        assert read_models(store) == live


# -- bad arguments ----------------------------------------------------------------------------
def test_bad_arguments_are_refused(store: SqlStore) -> None:
    for bad in (0, -3, True, 1.5, "10"):
        with pytest.raises(InvalidArgument, match="batch_size"):
            Projector(store, standard_projections(), batch_size=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="lag_threshold"):
            Projector(store, standard_projections(), lag_threshold=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="distinct names"):
        Projector(store, [AccountBalances(), AccountStatement(), AccountBalances()])
    with pytest.raises(InvalidArgument, match="distinct names"):
        Projector(store, [])
    with pytest.raises(InvalidArgument, match="DuckDBEventStore"):
        Projector(object(), standard_projections())  # type: ignore[arg-type]
    projector = Projector(store, standard_projections())
    for call in (
        projector.checkpoint,
        projector.lag,
        projector.reset,
        projector.rebuild,
        projector.rebuild_set_based,
    ):
        with pytest.raises(InvalidArgument, match=r"no projection named 'balance'.*balances"):
            call("balance")
    with pytest.raises(InvalidArgument, match="timezone-aware"):
        projector.lag("balances", now=datetime(2026, 1, 6))  # naive
    with pytest.raises(InvalidArgument, match="timezone-aware"):
        projector.lags(now="2026-01-06")  # type: ignore[arg-type]
    # Nothing was created or moved by the refusals.
    assert checkpoints(store) == dict.fromkeys(NAMES, 0)


def test_the_write_side_check_catches_a_batch_applied_twice(store: SqlStore) -> None:
    # Guard for the helper the tests above rely on: applying events twice does not pass.
    bank = Bank(store, new_id=SequentialIds())
    make_history(bank)
    projector = Projector(store, standard_projections())
    projector.run()
    frame = batch_frame(store.read_all(after_position=24))
    with store.transaction({"again": frame}) as conn:
        AccountBalances().apply(conn, "again")
    with pytest.raises(AssertionError):
        assert_matches_write_side(store, bank, ACCOUNTS)


def test_the_batch_from_the_log_frame_equals_the_batch_from_recorded_events(
    store: DuckDBEventStore,
) -> None:
    """The projector's column-wise batch and the row-wise ``batch_frame`` agree, row by row,
    old schema versions (upcast) and an old type name (an alias) included."""
    make_history(Bank(store, new_id=SequentialIds()))
    write_v1_deposit(store, A, store.stream_version(A) + 1)
    for after, limit in ((0, None), (3, 5), (20, 100)):
        log = store.read_log_frame(after_position=after, limit=limit)
        by_rows = batch_frame(store.read_all(after_position=after, limit=limit))
        by_columns = batch_from_log(log)
        assert list(by_columns.columns) == BATCH_COLUMNS
        left = by_columns.astype({"recorded_at": "object"}).to_dict("records")
        right = by_rows.astype({"recorded_at": "object"}).to_dict("records")
        assert [{**r, "recorded_at": pd.Timestamp(r["recorded_at"])} for r in left] == [
            {**r, "recorded_at": pd.Timestamp(r["recorded_at"])} for r in right
        ]
