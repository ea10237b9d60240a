"""Audit questions in SQL over the log, checked against the same answers computed in Python.

``deposits_over``, ``daily_closing_balances`` and ``balance_changes`` read the stored payloads
directly; the reference here reads the events through the store (``read_all``) and the Bank
(``history``, ``load``) and adds them up in plain Python.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pandas as pd
import pytest
from backends import Backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esbank import (
    INT64_MAX,
    Bank,
    CloseAccount,
    Command,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    MoneyDeposited,
    MoneyWithdrawn,
    OpenAccount,
    RecordedEvent,
    WithdrawMoney,
)
from esbank.app.audit import balance_changes, daily_closing_balances, deposits_over
from esbank.eventstore.protocol import SqlStore
from esbank.teach import StepClock

START = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)  # late evening: a few steps cross midnight
HOURS_5 = timedelta(hours=5)
# Ids whose order differs between "signed int" and "unsigned" comparisons (top bit set or not).
A = UUID("0a000000-0000-4000-8000-000000000000")
B = UUID("80000000-0000-4000-8000-000000000000")
C = UUID("f0000000-0000-4000-8000-000000000000")
Z = UUID("00000000-0000-4000-8000-00000000000a")


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START, HOURS_5))


@pytest.fixture
def bank(store: SqlStore) -> Bank:
    """Four accounts over four days; every command is one event, five hours after the last."""
    bank = Bank(store)
    for command in [
        OpenAccount(C, "Cleo", 1_000),  # an opening balance is money in, not a deposit
        OpenAccount(A, "Ada", 0),  # opened with nothing: no balance change
        DepositMoney(A, 500),
        DepositMoney(C, 1_000),  # exactly the threshold used below
        OpenAccount(B, "Bob", 250),
        DepositMoney(A, 1_001),
        WithdrawMoney(C, 1_500),  # a large withdrawal is not a deposit
        DepositMoney(B, 999),
        WithdrawMoney(A, 1_501),  # A back to zero
        DepositMoney(C, 2_000),
        CloseAccount(A),  # closing moves no money
        DepositMoney(B, 1),
        OpenAccount(Z, "Zed", 7),
        DepositMoney(C, 1_000_000),
    ]:
        bank.handle(command)
    return bank


def python_deposits(
    store: SqlStore, amount: int, start: datetime | None, end: datetime | None
) -> list[tuple[int, UUID, int, int, datetime]]:
    return [
        (r.position, r.aggregate_id, r.version, r.event.amount, r.recorded_at)
        for r in store.read_all()
        if isinstance(r.event, MoneyDeposited)
        and r.event.amount > amount
        and (start is None or r.recorded_at >= start)
        and (end is None or r.recorded_at < end)
    ]


def frame_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [
        (int(p), a, int(v), int(m), pd.Timestamp(t).to_pydatetime())
        for p, a, v, m, t in frame.itertuples(index=False)
    ]


# -- deposits_over ---------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [-1, 0, 1, 500, 999, 1_000, 1_001, 2_000, INT64_MAX, 2**70])
def test_deposits_over_an_amount_is_strict(store: SqlStore, bank: Bank, amount: int) -> None:
    frame = deposits_over(store, amount)
    assert list(frame.columns) == ["position", "aggregate_id", "version", "amount", "recorded_at"]
    assert frame_rows(frame) == python_deposits(store, amount, None, None)
    assert (frame["amount"] > amount).all()


def test_deposits_over_the_fixture(store: SqlStore, bank: Bank) -> None:
    frame = deposits_over(store, 1_000)
    # 1_000 itself is not "over" 1_000; opening balances and withdrawals are no deposits.
    assert frame["amount"].tolist() == [1_001, 2_000, 1_000_000]
    assert frame["aggregate_id"].tolist() == [A, C, C]
    assert frame["version"].tolist() == [3, 4, 5]
    assert frame["position"].tolist() == [6, 10, 14]
    assert frame["position"].is_monotonic_increasing
    for column in ("position", "version", "amount"):
        assert frame[column].dtype == "int64"
    first = pd.Timestamp(frame["recorded_at"].iloc[0])
    assert first == pd.Timestamp(START + 5 * HOURS_5)
    assert first.tzinfo is not None


def deposit_times(store: SqlStore) -> list[datetime]:
    return [r.recorded_at for r in store.read_all() if isinstance(r.event, MoneyDeposited)]


@pytest.mark.parametrize(
    ("start_index", "end_index"),
    [(None, None), (0, None), (2, None), (None, 2), (None, 0), (1, 4), (3, 3), (4, 1), (6, None)],
)
def test_deposits_over_a_window_start_inclusive_end_exclusive(
    store: SqlStore, bank: Bank, start_index: int | None, end_index: int | None
) -> None:
    times = deposit_times(store)  # the window edges sit exactly on recorded deposits
    start = None if start_index is None else times[start_index]
    end = None if end_index is None else times[end_index]
    expected = python_deposits(store, 0, start, end)
    frame = deposits_over(store, 0, start=start, end=end)
    assert frame_rows(frame) == expected
    if start is not None and (end is None or start < end):
        assert frame_rows(frame)[0][4] == start  # the deposit at start is in
    if end is not None:
        assert all(row[4] < end for row in frame_rows(frame))  # the one at end is not
    if start is not None and end is not None and start >= end:
        assert frame.empty


def test_deposits_over_a_window_given_in_another_zone(store: SqlStore, bank: Bank) -> None:
    times = deposit_times(store)
    eastern = datetime.fromisoformat("2026-01-06T00:00:00-05:00")  # = 05:00 UTC
    assert eastern == START + 9 * timedelta(hours=1)
    frame = deposits_over(store, 0, start=eastern.replace(hour=1), end=times[4])
    assert frame_rows(frame) == python_deposits(store, 0, eastern.replace(hour=1), times[4])
    assert not frame.empty


def test_deposits_over_an_empty_log(store: SqlStore) -> None:
    frame = deposits_over(store, 0)
    assert frame.empty
    assert list(frame.columns) == ["position", "aggregate_id", "version", "amount", "recorded_at"]


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"amount": "100"}, "amount must be an int"),
        ({"amount": 100.0}, "amount must be an int"),
        ({"amount": True}, "amount must be an int"),
        ({"amount": None}, "amount must be an int"),
        ({"amount": Decimal(100)}, "amount must be an int"),
        ({"amount": 1, "start": datetime(2026, 1, 5)}, "start must be a timezone-aware"),
        ({"amount": 1, "start": "2026-01-05T00:00:00+00:00"}, "start must be a timezone-aware"),
        ({"amount": 1, "start": date(2026, 1, 5)}, "start must be a timezone-aware"),
        ({"amount": 1, "end": datetime(2026, 1, 5)}, "end must be a timezone-aware"),
        ({"amount": 1, "end": pd.Timestamp("2026-01-05")}, "end must be a timezone-aware"),
        ({"amount": 1, "end": 1_767_600_000}, "end must be a timezone-aware"),
    ],
    ids=repr,
)
def test_deposits_over_refuses_bad_arguments(
    store: SqlStore, bank: Bank, kwargs: dict[str, Any], why: str
) -> None:
    with pytest.raises(InvalidArgument, match=why):
        deposits_over(store, **kwargs)


# -- daily_closing_balances ------------------------------------------------------------------
def python_daily(bank: Bank, account: UUID) -> list[tuple[date, int, int]]:
    """Group Bank.history by UTC day: the balance after the day's last event, and the count."""
    closing: dict[date, int] = {}
    counts: dict[date, int] = defaultdict(int)
    for _, row in bank.history(account).iterrows():
        day = pd.Timestamp(row["recorded_at"]).tz_convert("UTC").date()
        closing[day] = int(row["balance"])  # rows are in version order: the last one wins
        counts[day] += 1
    return [(day, closing[day], counts[day]) for day in sorted(closing)]


def daily_rows(frame: pd.DataFrame) -> list[tuple[date, int, int]]:
    return [(pd.Timestamp(d).date(), int(b), int(n)) for d, b, n in frame.itertuples(index=False)]


@pytest.mark.parametrize("account", [A, B, C, Z])
def test_daily_closing_balances_equal_the_history_grouped_by_utc_day(
    bank: Bank, store: SqlStore, account: UUID
) -> None:
    frame = daily_closing_balances(store, account)
    assert list(frame.columns) == ["day", "closing_balance", "events"]
    assert frame["closing_balance"].dtype == "int64"
    assert frame["events"].dtype == "int64"
    assert daily_rows(frame) == python_daily(bank, account)


def test_daily_closing_balances_of_the_fixture(bank: Bank, store: SqlStore) -> None:
    # C: 5th 20:00 open 1000 | 6th 11:00 +1000 | 7th 02:00 -1500, 17:00 +2000 | 8th 13:00 +1m
    assert daily_rows(daily_closing_balances(store, C)) == [
        (date(2026, 1, 5), 1_000, 1),
        (date(2026, 1, 6), 2_000, 1),
        (date(2026, 1, 7), 2_500, 2),
        (date(2026, 1, 8), 1_002_500, 1),
    ]
    assert [d for d, _, _ in daily_rows(daily_closing_balances(store, Z))] == [date(2026, 1, 8)]


def test_a_day_ends_at_midnight_utc(backend: Backend) -> None:
    stamps = iter(
        [
            datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
            datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=UTC),  # still the 1st
            datetime(2026, 3, 2, 0, 0, tzinfo=UTC),  # the 2nd
            # 2026-03-04 01:00 in UTC+02:00 is 23:00 on the 3rd in UTC
            datetime.fromisoformat("2026-03-04T01:00:00+02:00"),
        ]
    )
    with backend.fresh(clock=lambda: next(stamps)) as store:
        bank = Bank(store)
        bank.handle(OpenAccount(A, "Ada", 1))
        bank.handle(DepositMoney(A, 2))
        bank.handle(DepositMoney(A, 4))
        bank.handle(WithdrawMoney(A, 7))
        assert daily_rows(daily_closing_balances(store, A)) == [
            (date(2026, 3, 1), 3, 2),
            (date(2026, 3, 2), 7, 1),
            (date(2026, 3, 3), 0, 1),
        ]
        assert daily_rows(daily_closing_balances(store, A)) == python_daily(bank, A)


def test_daily_closing_balances_of_an_unknown_account(store: SqlStore, bank: Bank) -> None:
    frame = daily_closing_balances(store, UUID(int=0xDEAD))
    assert frame.empty
    assert list(frame.columns) == ["day", "closing_balance", "events"]


@pytest.mark.parametrize("bad", [str(A), A.int, None], ids=repr)
def test_daily_closing_balances_needs_a_uuid(store: SqlStore, bad: object) -> None:
    with pytest.raises(InvalidArgument, match=r"account_id must be a uuid\.UUID"):
        daily_closing_balances(store, bad)  # type: ignore[arg-type]


# -- balance_changes -------------------------------------------------------------------------
def python_changes(events: list[RecordedEvent]) -> list[tuple[UUID, int, int, int, int]]:
    """Per account: events that changed the balance, money in, money out, final balance."""
    changes: dict[UUID, int] = defaultdict(int)
    money_in: dict[UUID, int] = defaultdict(int)
    money_out: dict[UUID, int] = defaultdict(int)
    for r in events:
        a, e = r.aggregate_id, r.event
        change = (
            e.initial_balance
            if r.event_type == "AccountOpened"
            else e.amount
            if isinstance(e, MoneyDeposited)
            else -e.amount
            if isinstance(e, MoneyWithdrawn)
            else 0
        )
        changes[a] += change != 0
        money_in[a] += max(change, 0)
        money_out[a] += max(-change, 0)
    return [
        (a, changes[a], money_in[a], money_out[a], money_in[a] - money_out[a])
        for a in sorted({r.aggregate_id for r in events})
    ]


def change_rows(frame: pd.DataFrame) -> list[tuple[UUID, int, int, int, int]]:
    return [(a, int(c), int(i), int(o), int(b)) for a, c, i, o, b in frame.itertuples(index=False)]


def test_balance_changes_equal_python_sums(bank: Bank, store: SqlStore) -> None:
    frame = balance_changes(store)
    assert list(frame.columns) == [
        "aggregate_id",
        "balance_changes",
        "money_in",
        "money_out",
        "balance",
    ]
    for column in ("balance_changes", "money_in", "money_out", "balance"):
        assert frame[column].dtype == "int64"
    assert change_rows(frame) == python_changes(store.read_all())
    assert frame["aggregate_id"].tolist() == sorted([A, B, C, Z])  # UUID order, as Python's
    for account, balance in zip(frame["aggregate_id"], frame["balance"], strict=True):
        assert balance == bank.load(account).balance


def test_balance_changes_of_the_fixture(bank: Bank, store: SqlStore) -> None:
    rows = {row[0]: row[1:] for row in change_rows(balance_changes(store))}
    assert rows[A] == (3, 1_501, 1_501, 0)  # open with 0 and close are no changes
    assert rows[B] == (3, 1_250, 0, 1_250)
    assert rows[C] == (5, 1_004_000, 1_500, 1_002_500)
    assert rows[Z] == (1, 7, 0, 7)


def test_balance_changes_of_an_empty_log(store: SqlStore) -> None:
    frame = balance_changes(store)
    assert frame.empty
    assert "money_in" in frame.columns


# -- the three against Python, for random histories ------------------------------------------
ACCOUNTS = [A, B, C]
commands = st.one_of(
    st.builds(OpenAccount, st.sampled_from(ACCOUNTS), st.just("Owner"), st.integers(0, 900)),
    st.builds(DepositMoney, st.sampled_from(ACCOUNTS), st.integers(1, 3_000)),
    st.builds(DepositMoney, st.sampled_from(ACCOUNTS), st.integers(1, 3_000)),
    st.builds(WithdrawMoney, st.sampled_from(ACCOUNTS), st.integers(1, 3_000)),
    st.builds(CloseAccount, st.sampled_from(ACCOUNTS)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(st.lists(commands, min_size=1, max_size=6), min_size=1, max_size=10),
    step_hours=st.integers(1, 30),
    threshold=st.integers(0, 3_000),
)
def test_audits_match_python_for_random_histories(
    batches: list[list[Command]], step_hours: int, threshold: int
) -> None:
    with DuckDBEventStore(clock=StepClock(START, timedelta(hours=step_hours))) as store:
        bank = Bank(store)
        bank.handle_batch([OpenAccount(a, "Owner", 100) for a in ACCOUNTS[:2]])
        for batch in batches:  # one clock reading per batch: several events per instant
            bank.handle_batch(batch)
        events = store.read_all()
        assert change_rows(balance_changes(store)) == python_changes(events)
        for account in {r.aggregate_id for r in events}:
            assert daily_rows(daily_closing_balances(store, account)) == python_daily(bank, account)
        times = sorted({r.recorded_at for r in events})
        start, end = times[len(times) // 3], times[-1]
        assert frame_rows(deposits_over(store, threshold)) == python_deposits(
            store, threshold, None, None
        )
        assert frame_rows(deposits_over(store, threshold, start=start, end=end)) == (
            python_deposits(store, threshold, start, end)
        )
