"""``seed_history``: a large, deterministic, valid history through the bulk path.

Small sizes here; the same code seeds a million events in ``benchmarks/bench_replay.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

import pytest
from backends import Backend
from support import rows

from esbank import (
    AccountOpened,
    Bank,
    BankAccount,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    MoneyDeposited,
    MoneyWithdrawn,
    OpenAccount,
    evolve,
)
from esbank.app.seeding import SEED_START, SeedResult, seed_history
from esbank.eventstore.protocol import SqlStore

EVENT_TYPES = {"AccountOpened", "MoneyDeposited", "MoneyWithdrawn", "AccountClosed"}


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    return backend.store()


def seeded_rows(backend: Backend, **kwargs: Any) -> list[tuple[Any, ...]]:
    with backend.fresh() as store:
        seed_history(store, progress=False, **kwargs)
        return rows(store)


# -- determinism -----------------------------------------------------------------------------
def test_the_same_arguments_give_identical_rows(backend: Backend) -> None:
    first = seeded_rows(backend, accounts=5, events_per_account=8, seed=3)
    again = seeded_rows(backend, accounts=5, events_per_account=8, seed=3)
    assert len(first) == 40
    assert first == again  # every column: ids, payloads, metadata, timestamps


def test_another_seed_gives_other_rows(backend: Backend) -> None:
    first = seeded_rows(backend, accounts=5, events_per_account=8, seed=3)
    other = seeded_rows(backend, accounts=5, events_per_account=8, seed=4)
    assert len(other) == len(first)
    assert {r[1] for r in first}.isdisjoint({r[1] for r in other})  # other account ids
    assert [r[6] for r in first] != [r[6] for r in other]  # other amounts
    # ...but the same shape: positions, versions, types and times do not depend on the seed.
    shape = [(r[0], r[2], r[4], r[8]) for r in first]
    assert shape == [(r[0], r[2], r[4], r[8]) for r in other]


def test_the_seed_result(store: SqlStore) -> None:
    result = seed_history(store, accounts=4, events_per_account=6, seed=1, progress=False)
    assert isinstance(result, SeedResult)
    assert (result.events, result.first_position, result.last_position) == (24, 1, 24)
    assert len(result.account_ids) == len(set(result.account_ids)) == 4
    assert all(isinstance(a, UUID) and a.version == 4 for a in result.account_ids)
    assert {r[1] for r in rows(store)} == set(result.account_ids)


# -- a valid history -------------------------------------------------------------------------
def test_every_stream_replays_with_contiguous_versions(store: SqlStore) -> None:
    result = seed_history(store, accounts=6, events_per_account=11, seed=7, progress=False)
    bank = Bank(store)
    for account in result.account_ids:
        recorded = store.read_stream(account)
        assert [r.version for r in recorded] == list(range(1, 12))
        # Bank.load folds evolve, which raises InvalidHistory on a balance below zero.
        state = bank.load(account)
        assert (state.version, state.is_open, state.is_closed) == (11, True, False)
        balances = bank.history(account)["balance"].tolist()
        assert min(balances) >= 0
        assert balances[-1] == state.balance
        # The pattern: open, then deposit / withdraw-part-of-that-deposit pairs.
        events = [r.event for r in recorded]
        assert isinstance(events[0], AccountOpened)
        assert events[0].owner.startswith("Customer ")
        for previous, event in pairwise(events):
            if isinstance(event, MoneyWithdrawn):
                assert isinstance(previous, MoneyDeposited)
                assert event.amount <= previous.amount
        assert all(isinstance(e, MoneyDeposited) for e in events[1::2])
        assert all(isinstance(e, MoneyWithdrawn) for e in events[2::2])
        folded = BankAccount.new(account)
        for event in events:
            folded = evolve(folded, event)
        assert folded == state


def test_positions_are_gap_free_and_round_robin(store: SqlStore) -> None:
    result = seed_history(
        store, accounts=3, events_per_account=4, seed=0, progress=False, chunk_accounts=2
    )
    recorded = store.read_all()  # raises CorruptEvent on a gap
    assert [r.position for r in recorded] == list(range(1, 13))
    # Event v of every account comes before event v+1 of any account.
    assert [r.version for r in recorded] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert [r.aggregate_id for r in recorded[:3]] == list(result.account_ids)
    # One second apart from SEED_START, in position order.
    assert [r.recorded_at for r in recorded] == [
        SEED_START + timedelta(seconds=i) for i in range(12)
    ]


def test_event_types_ids_and_metadata(store: SqlStore) -> None:
    seed_history(store, accounts=3, events_per_account=5, seed=0, progress=False)
    types = store.query("SELECT DISTINCT event_type FROM events")["event_type"]
    assert set(types) == {"AccountOpened", "MoneyDeposited", "MoneyWithdrawn"}
    assert set(types) <= EVENT_TYPES  # class names, never a debug dump
    recorded = store.read_all()
    assert {r.event_type for r in recorded} == {type(r.event).__name__ for r in recorded}
    assert all(r.schema_version == type(r.event).schema_version for r in recorded)
    assert all(r.metadata == {"command": "seed_history"} for r in recorded)
    assert len({r.event_id for r in recorded}) == len(recorded)


def test_start_and_spacing(store: SqlStore) -> None:
    start = datetime.fromisoformat("2025-06-01T12:00:00+02:00")
    seed_history(
        store,
        accounts=2,
        events_per_account=3,
        start=start,
        spacing=timedelta(minutes=15),
        progress=False,
    )
    times = [r.recorded_at for r in store.read_all()]
    assert times == [start + timedelta(minutes=15 * i) for i in range(6)]
    assert times[0].tzinfo is not None
    assert times[0] == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)


def test_seeding_continues_after_existing_events_and_the_store_keeps_working(
    store: SqlStore,
) -> None:
    bank = Bank(store)
    ada = bank.handle(OpenAccount(UUID(int=0xA), "Ada", 100)).aggregate_id
    bank.handle(DepositMoney(ada, 5))
    bank.handle(DepositMoney(ada, 6))  # the writer now remembers head 3 and Ada's version 3
    before = rows(store)

    result = seed_history(store, accounts=3, events_per_account=4, seed=5, progress=False)
    assert (result.first_position, result.last_position) == (4, 15)
    assert rows(store)[:3] == before  # existing events untouched
    assert [r.position for r in store.read_all()] == list(range(1, 16))

    # The remembered head was forgotten: new commands continue after the seeded events.
    deposit = bank.handle(DepositMoney(ada, 7))
    assert (deposit.new_version, deposit.position) == (4, 16)
    seeded = result.account_ids[1]
    balance = bank.load(seeded).balance
    more = bank.handle(DepositMoney(seeded, 1))
    assert (more.new_version, more.position) == (5, 17)
    assert bank.load(seeded).balance == balance + 1
    assert [r.position for r in store.read_all()] == list(range(1, 18))

    again = seed_history(store, accounts=1, events_per_account=2, seed=6, progress=False)
    assert (again.first_position, again.last_position) == (18, 19)
    assert bank.handle(DepositMoney(ada, 1)).position == 20


def test_seeding_a_file_store(tmp_path: Any) -> None:
    path = tmp_path / "seeded.duckdb"
    with DuckDBEventStore(path) as store:
        result = seed_history(store, accounts=2, events_per_account=5, seed=2, progress=False)
    with DuckDBEventStore(path) as store:
        assert store.head_position() == 10
        assert Bank(store).load(result.account_ids[0]).version == 5
        assert Bank(store).handle(DepositMoney(result.account_ids[0], 1)).position == 11


# -- progress --------------------------------------------------------------------------------
def test_no_progress_prints_nothing(store: SqlStore, capsys: Any) -> None:
    seed_history(store, accounts=2, events_per_account=3, progress=False)
    assert capsys.readouterr() == ("", "")


def test_progress_bar_shows_the_total(store: SqlStore, capsys: Any) -> None:
    seed_history(store, accounts=3, events_per_account=7, progress=True, chunk_accounts=2)
    out, err = capsys.readouterr()
    assert out == ""
    assert "seeding" in err
    assert "21/21" in err
    assert "event" in err


# -- arguments -------------------------------------------------------------------------------
GOOD = {"accounts": 2, "events_per_account": 3}


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"accounts": 0}, "accounts must be an int >= 1"),
        ({"accounts": -1}, "accounts must be an int >= 1"),
        ({"accounts": True}, "accounts must be an int >= 1"),
        ({"accounts": 2.0}, "accounts must be an int >= 1"),
        ({"accounts": "2"}, "accounts must be an int >= 1"),
        ({"events_per_account": 0}, "events_per_account must be an int >= 1"),
        ({"events_per_account": None}, "events_per_account must be an int >= 1"),
        ({"chunk_accounts": 0}, "chunk_accounts must be an int >= 1"),
        ({"chunk_accounts": 1.5}, "chunk_accounts must be an int >= 1"),
        ({"start": datetime(2026, 1, 5)}, "start must be a timezone-aware datetime"),
        ({"start": "2026-01-05T00:00:00+00:00"}, "start must be a timezone-aware datetime"),
        ({"spacing": 1}, "spacing must be a timedelta >= 0"),
        ({"spacing": timedelta(seconds=-1)}, "spacing must be a timedelta >= 0"),
        ({"seed": -1}, "seed must be an int >= 0"),
        ({"seed": "x"}, "seed must be an int >= 0"),
        ({"seed": 1.0}, "seed must be an int >= 0"),
    ],
    ids=repr,
)
def test_bad_arguments(store: SqlStore, changes: dict[str, Any], why: str) -> None:
    with pytest.raises(InvalidArgument, match=why):
        seed_history(store, progress=False, **{**GOOD, **changes})
    assert store.head_position() == 0


def test_the_store_must_be_a_duckdb_store() -> None:
    with pytest.raises(InvalidArgument, match="store must be a DuckDBEventStore"):
        seed_history(":memory:", progress=False, **GOOD)  # type: ignore[arg-type]


def test_a_seed_used_before_on_the_store_is_refused(store: SqlStore) -> None:
    result = seed_history(store, seed=9, progress=False, **GOOD)
    before = rows(store)
    with pytest.raises(InvalidArgument, match=f"seed 9 was already used.*{result.account_ids[0]}"):
        seed_history(store, seed=9, progress=False, accounts=5, events_per_account=2)
    assert rows(store) == before
    assert seed_history(store, seed=10, progress=False, **GOOD).first_position == 7
