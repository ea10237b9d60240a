"""Queries: answers from the read models only, in stable shapes, with read-your-own-writes.

A reader who just wrote asks with the position the command returned: while the projector is
behind, the answer is refused (``ReadModelStale``, saying what to do) or marked stale; after
the projector catches up, or while waiting for it, the answer is fresh. Queries never read the
``events`` table: they work unchanged on a copy of the database without it.
"""

from __future__ import annotations

import shutil
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pandas as pd
import pytest
from backends import Backend

from esbank import (
    Bank,
    CloseAccount,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    OpenAccount,
    Projector,
    Queries,
    ReadModelStale,
    WithdrawMoney,
    standard_projections,
)
from esbank.app.read_models import Answer
from esbank.eventstore.protocol import SqlStore
from esbank.teach import SequentialIds, StepClock

START = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
# Created in the order HIGH, LOW, MID with equal balances: ties must come back by id.
LOW, MID, HIGH = UUID(int=0x10), UUID(int=0x20), UUID(int=0x30)
RICH, CLOSED, UNKNOWN = UUID(int=0x40), UUID(int=0x50), UUID(int=0xDEAD)

BALANCE_DTYPES = {
    "aggregate_id": "object",
    "owner": "str",
    "balance": "int64",
    "version": "int64",
    "is_closed": "bool",
    "last_activity": "datetime64[us, UTC]",
}
STATEMENT_DTYPES = {
    "version": "int64",
    "position": "int64",
    "recorded_at": "datetime64[us, UTC]",
    "event_type": "str",
    "change": "int64",
    "balance": "int64",
}
DAILY_DTYPES = {
    "day": "datetime64[us]",
    "deposits": "int64",
    "withdrawals": "int64",
    "events": "int64",
}
TOP_DTYPES = {"aggregate_id": "object", "owner": "str", "balance": "int64", "version": "int64"}


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


def make_store(path: str | Path = ":memory:") -> DuckDBEventStore:
    return DuckDBEventStore(path, clock=StepClock(START, HOUR), new_id=SequentialIds(prefix=0xE))


def make_history(bank: Bank) -> None:
    """Events at 22:00, 23:00, 00:00 … UTC: HIGH's history crosses midnight."""
    for account, owner in ((HIGH, "Hal"), (LOW, "Lou"), (MID, "Mia")):
        bank.handle(OpenAccount(account, owner, 500))  # 22:00, 23:00, 00:00
    bank.handle(DepositMoney(HIGH, 70))  # Jan 6 01:00
    bank.handle(WithdrawMoney(HIGH, 70))  # 02:00
    bank.handle(OpenAccount(RICH, "Ria", 9_000))  # 03:00
    bank.handle_batch(
        [OpenAccount(CLOSED, "Cal", 10_000), WithdrawMoney(CLOSED, 10_000), CloseAccount(CLOSED)]
    )  # 04:00, one append


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START, HOUR), new_id=SequentialIds(prefix=0xE))


@pytest.fixture
def bank(store: SqlStore) -> Bank:
    bank = Bank(store, new_id=SequentialIds())
    make_history(bank)
    return bank


@pytest.fixture
def projector(store: SqlStore, bank: Bank) -> Projector:
    projector = Projector(store, standard_projections())
    assert projector.run() == 3 * 9
    return projector


# -- answers ----------------------------------------------------------------------------------
def test_balance_answers_from_the_balances_read_model(
    store: SqlStore, projector: Projector
) -> None:
    answer = Queries(store).balance(HIGH)
    assert isinstance(answer, Answer)
    assert (answer.checkpoint, answer.wanted_position, answer.stale) == (9, None, False)
    assert dtypes(answer.value) == BALANCE_DTYPES
    assert answer.value.to_dict("records") == [
        {
            "aggregate_id": HIGH,
            "owner": "Hal",
            "balance": 500,
            "version": 3,
            "is_closed": False,
            "last_activity": pd.Timestamp("2026-01-06 02:00", tz="UTC"),
        }
    ]
    closed = Queries(store).balance(CLOSED).value
    assert closed[["balance", "version", "is_closed"]].values.tolist() == [[0, 3, True]]
    nobody = Queries(store).balance(UNKNOWN).value
    assert nobody.empty and dtypes(nobody) == BALANCE_DTYPES


def test_statement_is_the_history_the_bank_tells(
    store: SqlStore, bank: Bank, projector: Projector
) -> None:
    queries = Queries(store)
    for account in (HIGH, LOW, CLOSED):
        statement = queries.statement(account)
        assert dtypes(statement) == STATEMENT_DTYPES
        pd.testing.assert_frame_equal(statement, bank.history(account), check_dtype=False)
    assert queries.statement(HIGH)["balance"].tolist() == [500, 570, 500]
    assert queries.statement(HIGH)["version"].tolist() == [1, 2, 3]  # ORDER BY version
    empty = queries.statement(UNKNOWN)
    assert empty.empty and dtypes(empty) == STATEMENT_DTYPES


def test_daily_totals_per_utc_day(store: SqlStore, projector: Projector) -> None:
    queries = Queries(store)
    high = queries.daily_totals(HIGH)
    assert dtypes(high) == DAILY_DTYPES
    assert high.to_dict("records") == [
        {"day": pd.Timestamp(date(2026, 1, 5)), "deposits": 0, "withdrawals": 0, "events": 1},
        {"day": pd.Timestamp(date(2026, 1, 6)), "deposits": 70, "withdrawals": 70, "events": 2},
    ]
    closed = queries.daily_totals(CLOSED)
    assert closed[["deposits", "withdrawals", "events"]].values.tolist() == [[0, 10_000, 3]]
    empty = queries.daily_totals(UNKNOWN)
    assert empty.empty and dtypes(empty) == DAILY_DTYPES


def test_top_accounts_by_balance_ties_by_id_closed_left_out(
    store: SqlStore, projector: Projector
) -> None:
    queries = Queries(store)
    top = queries.top_accounts()
    assert dtypes(top) == TOP_DTYPES
    assert top["aggregate_id"].tolist() == [RICH, LOW, MID, HIGH]
    assert top["balance"].tolist() == [9_000, 500, 500, 500]
    assert top["owner"].tolist() == ["Ria", "Lou", "Mia", "Hal"]
    assert queries.top_accounts(2)["aggregate_id"].tolist() == [RICH, LOW]
    assert CLOSED not in set(queries.top_accounts(100)["aggregate_id"])


def test_answers_follow_the_projector_not_the_log(
    store: SqlStore, bank: Bank, projector: Projector
) -> None:
    queries = Queries(store)
    bank.handle(DepositMoney(LOW, 1))
    assert queries.balance(LOW).value["balance"].tolist() == [500]  # not yet projected
    assert len(queries.statement(LOW)) == 1
    projector.run()
    assert queries.balance(LOW).value["balance"].tolist() == [501]
    assert queries.statement(LOW)["balance"].tolist() == [500, 501]
    assert queries.top_accounts(2)["aggregate_id"].tolist() == [RICH, LOW]


# -- read-your-own-writes ---------------------------------------------------------------------
def test_read_your_own_writes(store: SqlStore, bank: Bank, projector: Projector) -> None:
    queries = Queries(store)
    written = bank.handle(DepositMoney(MID, 25))
    p = written.position
    assert p == 10 and projector.checkpoint("balances") == 9
    with pytest.raises(ReadModelStale) as stale:
        queries.balance(MID, min_position=p)
    message = str(stale.value)
    for part in ("at position 9", f"at position {p}", "run the projector", "allow_stale=True"):
        assert part in message
    old = queries.balance(MID, min_position=p, allow_stale=True)
    assert (old.stale, old.checkpoint, old.wanted_position) == (True, 9, p)
    assert old.value["balance"].tolist() == [500]
    projector.run()
    fresh = queries.balance(MID, min_position=p)
    assert (fresh.stale, fresh.checkpoint, fresh.wanted_position) == (False, 10, p)
    assert fresh.value["balance"].tolist() == [525]
    # An older position is already satisfied; allow_stale changes nothing for a fresh answer.
    assert not queries.balance(MID, min_position=3, allow_stale=True).stale
    assert not queries.balance(MID, min_position=0).stale


def test_balance_waits_for_a_projector_that_catches_up(
    store: SqlStore, bank: Bank, projector: Projector
) -> None:
    queries = Queries(store)
    p = bank.handle(WithdrawMoney(MID, 100)).position
    timer = threading.Timer(0.15, projector.step)
    started = time.monotonic()
    timer.start()
    try:
        answer = queries.balance(MID, min_position=p, timeout=2)
    finally:
        timer.join()
    waited = time.monotonic() - started
    assert (answer.stale, answer.checkpoint) == (False, p)
    assert answer.value["balance"].tolist() == [400]
    assert 0.1 <= waited < 1.9  # it waited for the step, not for the whole timeout


def test_balance_gives_up_after_the_timeout(
    store: SqlStore, bank: Bank, projector: Projector
) -> None:
    queries = Queries(store)
    p = bank.handle(DepositMoney(MID, 1)).position
    started = time.monotonic()
    with pytest.raises(ReadModelStale):
        queries.balance(MID, min_position=p, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.5
    answer = queries.balance(MID, min_position=p, timeout=0.05, allow_stale=True)
    assert answer.stale and answer.value["balance"].tolist() == [500]


# -- queries never read the log ---------------------------------------------------------------
def answers(queries: Queries) -> list[Any]:
    return [
        queries.balance(HIGH, min_position=9).value,
        queries.statement(HIGH),
        queries.daily_totals(CLOSED),
        queries.top_accounts(3),
        queries.checkpoint("statement"),
    ]


def test_queries_work_on_a_copy_without_the_events_table(tmp_path: Path) -> None:
    original = tmp_path / "bank.duckdb"
    with make_store(original) as store:
        make_history(Bank(store, new_id=SequentialIds()))
        Projector(store, standard_projections()).run()
        expected = answers(Queries(store))
    copy = tmp_path / "read_models_only.duckdb"
    shutil.copy(original, copy)
    with make_store(copy) as store:
        store.connection.execute("DROP TABLE events")
        got = answers(Queries(store))
        with pytest.raises(Exception, match="events"):  # the log really is gone
            store.head_position()
    for mine, theirs in zip(got[:-1], expected[:-1], strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
    assert got[-1] == expected[-1] == 9


# -- bad arguments ----------------------------------------------------------------------------
def test_bad_arguments_are_refused(store: SqlStore, projector: Projector) -> None:
    with pytest.raises(InvalidArgument, match="DuckDBEventStore"):
        Queries(object())  # type: ignore[arg-type]
    queries = Queries(store)
    for call in (queries.balance, queries.statement, queries.daily_totals):
        for bad in (str(HIGH), 0x30, None):
            with pytest.raises(InvalidArgument, match=r"account_id must be a uuid\.UUID"):
                call(bad)  # type: ignore[operator]
    for bad in (-1, True, 1.0, "11"):
        with pytest.raises(InvalidArgument, match="min_position"):
            queries.balance(HIGH, min_position=bad)  # type: ignore[arg-type]
    for bad in (-0.5, True, "1", None):
        with pytest.raises(InvalidArgument, match="timeout"):
            queries.balance(HIGH, timeout=bad)  # type: ignore[arg-type]
    for bad in (0, -1, True, 2.5, "3"):
        with pytest.raises(InvalidArgument, match="n must be"):
            queries.top_accounts(bad)  # type: ignore[arg-type]


def test_queries_before_any_projector_say_what_to_do(backend: Backend) -> None:
    with backend.fresh() as bare:
        queries = Queries(bare)
        assert queries.checkpoint("balances") == 0
        with pytest.raises(ReadModelStale, match="create a Projector"):
            queries.balance(UUID(int=1))
        with pytest.raises(ReadModelStale, match="do not exist"):
            queries.top_accounts(3)
