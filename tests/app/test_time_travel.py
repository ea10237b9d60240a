"""Time travel: ``Bank.load(as_of=…)`` and ``EventStore.version_at``, on both backends.

``as_of`` keeps the events recorded at or before an instant. The store answers with one SQL
statement: the stream is read in version order and stops at the first event recorded later,
so the answer is always a version the account really passed through (a prefix of its stream),
even when the clock that stamped the events went backwards.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pandas as pd
import pytest
from backends import Backend

from esbank import (
    AccountNotOpen,
    Bank,
    BankAccount,
    DepositMoney,
    InvalidArgument,
    OpenAccount,
    SnapshotIgnored,
    WithdrawMoney,
)
from esbank.eventstore.protocol import SqlStore
from esbank.teach import StepClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)  # the resolution of TIMESTAMPTZ
A = UUID(int=0xA)
B = UUID(int=0xB)
NOBODY = UUID(int=0xDEAD)


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store(clock=StepClock(START, MINUTE))


@pytest.fixture
def bank(store: SqlStore) -> Bank:
    """A at 09:00 (v1), B at 09:01, then A 09:02 (v2) … 09:07 (v7), B's deposit at 09:05."""
    bank = Bank(store)
    bank.handle(OpenAccount(A, "Ada", 100))  # 09:00
    bank.handle(OpenAccount(B, "Bob", 5))  # 09:01
    bank.handle(DepositMoney(A, 10))  # 09:02 v2
    bank.handle(WithdrawMoney(A, 20))  # 09:03 v3
    bank.handle(DepositMoney(A, 30))  # 09:04 v4
    bank.handle(DepositMoney(B, 1))  # 09:05
    bank.handle(DepositMoney(A, 40))  # 09:06 v5
    bank.handle(WithdrawMoney(A, 50))  # 09:07 v6
    bank.handle(DepositMoney(A, 60))  # 09:08 v7
    return bank


def recorded_times(store: SqlStore, account: UUID) -> list[datetime]:
    return [r.recorded_at for r in store.read_stream(account)]


def test_the_fixture_times(store: SqlStore, bank: Bank) -> None:
    assert recorded_times(store, A) == [START + m * MINUTE for m in (0, 2, 3, 4, 6, 7, 8)]


def test_every_instant_of_the_stream(store: SqlStore, bank: Bank) -> None:
    times = recorded_times(store, A)
    for version, at in enumerate(times, start=1):
        by_version = bank.load(A, as_of_version=version)
        # Exactly at an event's recorded_at: that event is included.
        assert store.version_at(A, at) == version
        assert bank.load(A, as_of=at) == by_version
        # A microsecond earlier: it is not (before the first event, there is no account).
        assert store.version_at(A, at - TICK) == version - 1
        if version > 1:
            assert bank.load(A, as_of=at - TICK) == bank.load(A, as_of_version=version - 1)
        # Between this event and the next: this one is the last included.
        following = times[version] if version < len(times) else at + MINUTE
        between = at + (following - at) / 2
        assert store.version_at(A, between) == version
        assert bank.load(A, as_of=between) == by_version
    assert [bank.load(A, as_of=t).balance for t in times] == [100, 110, 90, 120, 160, 110, 170]


def test_before_the_first_event_there_is_no_account(store: SqlStore, bank: Bank) -> None:
    for instant in (START - TICK, START - timedelta(days=400), datetime(1970, 1, 1, tzinfo=UTC)):
        assert store.version_at(A, instant) == 0
        with pytest.raises(AccountNotOpen) as info:
            bank.load(A, as_of=instant)
        assert str(A) in str(info.value)
        assert f"as of {instant.isoformat()}" in str(info.value)
    # B opened a minute after A: at 09:00 it did not exist yet, at 09:01 it did.
    with pytest.raises(AccountNotOpen, match=str(B)):
        bank.load(B, as_of=START)
    assert bank.load(B, as_of=START + MINUTE) == BankAccount(B, "Bob", 5, 1, True, False)


def test_an_account_without_events_has_no_past(store: SqlStore, bank: Bank) -> None:
    far_future = START + timedelta(days=365 * 100)
    assert store.version_at(NOBODY, far_future) == 0
    with pytest.raises(AccountNotOpen, match=str(NOBODY)):
        bank.load(NOBODY, as_of=far_future)


def test_after_the_last_event_is_the_latest_state(store: SqlStore, bank: Bank) -> None:
    last = recorded_times(store, A)[-1]
    for instant in (last, last + TICK, last + timedelta(days=3650)):
        assert store.version_at(A, instant) == 7
        assert bank.load(A, as_of=instant) == bank.load(A)
    bank.handle(DepositMoney(A, 1))  # 09:09: history moves on, the past stays put
    assert bank.load(A, as_of=last) == bank.load(A, as_of_version=7)
    assert bank.load(A, as_of=last + timedelta(days=1)) == bank.load(A)
    assert bank.load(A).version == 8


def test_events_of_one_batch_share_one_instant(store: SqlStore, bank: Bank) -> None:
    bank.handle_batch([DepositMoney(A, 1), DepositMoney(B, 2), DepositMoney(A, 3)])
    at = recorded_times(store, A)[-1]
    assert recorded_times(store, A)[-2:] == [at, at]  # one append, one clock reading
    assert bank.load(A, as_of=at - TICK).version == 7  # all of the batch or none of it
    assert bank.load(A, as_of=at).version == 9
    assert bank.load(B, as_of=at).balance == 8


def test_a_clock_that_goes_backwards(backend: Backend) -> None:
    """version_at counts the events recorded at or before the instant *up to the first one
    recorded later*: it never skips an event to include a later one. So with a clock that
    went back, a state is a prefix of the stream, never a picking of events by time."""
    stamps = iter(
        [
            START,  # v1 09:00
            START + 10 * MINUTE,  # v2 09:10
            START + 5 * MINUTE,  # v3 09:05: the clock went back
            START + 20 * MINUTE,  # v4 09:20
        ]
    )
    with backend.store(clock=lambda: next(stamps)) as store:
        bank = Bank(store)
        bank.handle(OpenAccount(A, "Ada", 100))
        bank.handle(DepositMoney(A, 10))
        bank.handle(DepositMoney(A, 20))
        bank.handle(DepositMoney(A, 40))
        assert recorded_times(store, A)[2] < recorded_times(store, A)[1]
        # At 09:05 two events (v1 and v3) had been recorded, but v2 (09:10) came between:
        # the stream stops before v2, so the answer is version 1, not "v1 and v3".
        assert store.version_at(A, START + 5 * MINUTE) == 1
        assert store.version_at(A, START + 7 * MINUTE) == 1
        assert bank.load(A, as_of=START + 7 * MINUTE).balance == 100
        # From 09:10 on, v2 and v3 are both in (v3 was recorded "earlier" than v2).
        assert store.version_at(A, START + 10 * MINUTE) == 3
        assert bank.load(A, as_of=START + 10 * MINUTE).balance == 130
        assert store.version_at(A, START + 19 * MINUTE) == 3
        assert store.version_at(A, START + 20 * MINUTE) == 4
        assert bank.load(A, as_of=START + 20 * MINUTE) == bank.load(A)


@pytest.mark.parametrize(
    ("as_of_minutes", "as_of_version", "expected_version"),
    [
        (3, 6, 3),  # the time is earlier: v3 (recorded 09:03)
        (8, 2, 2),  # the version is earlier
        (4, 4, 4),  # both name the same state
        (5, 4, 4),  # 09:05 is still v4 (B's deposit is not A's)
        (5, 5, 4),
        (6, 7, 5),
    ],
)
def test_as_of_and_as_of_version_together_the_earlier_wins(
    bank: Bank, as_of_minutes: int, as_of_version: int, expected_version: int
) -> None:
    state = bank.load(A, as_of=START + as_of_minutes * MINUTE, as_of_version=as_of_version)
    assert state.version == expected_version
    assert state == bank.load(A, as_of_version=expected_version)


def test_as_of_with_as_of_version_before_the_account_existed(bank: Bank) -> None:
    with pytest.raises(AccountNotOpen, match=str(A)):
        bank.load(A, as_of=START - MINUTE, as_of_version=1)


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 1, 5, 9, 3),  # naive
        pd.Timestamp("2026-01-05 09:03"),  # naive pandas
        date(2026, 1, 5),
        "2026-01-05T09:03:00+00:00",
        START.timestamp(),
        None,
    ],
    ids=["naive", "naive pandas", "date", "text", "float", "None"],
)
def test_an_instant_must_be_timezone_aware(store: SqlStore, bank: Bank, instant: Any) -> None:
    with pytest.raises(InvalidArgument, match="timezone-aware datetime"):
        store.version_at(A, instant)
    if instant is not None:  # None means "no time travel" to load
        with pytest.raises(InvalidArgument, match="as_of must be a timezone-aware datetime"):
            bank.load(A, as_of=instant)
        with pytest.raises(InvalidArgument, match="as_of must be a timezone-aware datetime"):
            bank.load(A, as_of=instant, as_of_version=2)


def test_version_at_needs_a_uuid(store: SqlStore) -> None:
    with pytest.raises(InvalidArgument, match=r"aggregate_id must be a uuid\.UUID"):
        store.version_at(str(A), START)  # type: ignore[arg-type]


def test_aware_instants_of_any_kind_and_zone(store: SqlStore, bank: Bank) -> None:
    at = START + 4 * MINUTE  # v4
    tokyo = timezone(timedelta(hours=9))
    for same in (
        at,
        at.astimezone(tokyo),
        pd.Timestamp(at),
        pd.Timestamp(at).tz_convert("US/Pacific"),
    ):
        assert store.version_at(A, same) == 4
        assert bank.load(A, as_of=same).version == 4


@pytest.mark.parametrize("snapshots", [False, True], ids=["plain", "with snapshots"])
@pytest.mark.parametrize("as_of", [None, START + 100 * MINUTE], ids=["no time", "a late time"])
def test_as_of_version_beyond_the_stream_names_the_count(
    store: SqlStore, bank: Bank, snapshots: bool, as_of: datetime | None
) -> None:
    loader = Bank(store, snapshot_every=3) if snapshots else bank
    if snapshots:
        loader.rebuild_snapshots(A)
    for beyond in (8, 100):
        with pytest.raises(InvalidArgument) as info:
            loader.load(A, as_of_version=beyond, as_of=as_of)
        assert str(A) in str(info.value)
        assert f"has 7 events, so it has no version {beyond}" in str(info.value)
        assert "pick a version from 1 to 7" in str(info.value)


def test_as_of_version_beyond_the_stream_is_refused_even_at_an_earlier_time(bank: Bank) -> None:
    # Asking for a version that never existed is a mistake, whatever the time says.
    with pytest.raises(InvalidArgument, match="has 7 events, so it has no version 9"):
        bank.load(A, as_of=START + 3 * MINUTE, as_of_version=9)


@pytest.mark.parametrize("every", [1, 2, 3, 5, 50])
def test_as_of_loads_with_snapshots_equal_plain_ones(
    store: SqlStore, bank: Bank, every: int
) -> None:
    snapping = Bank(store, snapshot_every=every)
    snapping.rebuild_snapshots(A)
    times = recorded_times(store, A)
    instants = [START - TICK, *times, *(t - TICK for t in times), *(t + MINUTE / 2 for t in times)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SnapshotIgnored)
        for instant in instants:
            target = store.version_at(A, instant)
            if target == 0:
                with pytest.raises(AccountNotOpen):
                    snapping.load(A, as_of=instant)
                continue
            state, report = snapping.load_with_report(A, as_of=instant)
            assert state == bank.load(A, as_of=instant)
            assert state.version == target
            newest = max((v for v in range(every, target + 1, every)), default=None)
            assert report.snapshot_version == newest  # never one from after the instant
            assert report.events_replayed == target - (newest or 0)
            for version in (1, 4, 7):
                combined = snapping.load(A, as_of=instant, as_of_version=version)
                assert combined == bank.load(A, as_of=instant, as_of_version=version)
                assert combined.version == min(version, target)
