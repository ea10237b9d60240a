"""The group committer: commands queued while the writer is busy are committed together, in
one append, each with its own outcome; a failure of a whole group reaches only the requests
it belongs to; one idempotency key never appears twice in a group."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from typing import Any
from uuid import UUID

import pytest

from esbank import (
    AppendResult,
    Bank,
    CommandRejected,
    CommandResult,
    ConcurrencyConflict,
    DepositMoney,
    DuckDBEventStore,
    DuplicateEventId,
    InsufficientFunds,
    OpenAccount,
    StoreError,
    StreamAppend,
    WithdrawMoney,
)
from esbank.api import GroupCommitter
from esbank.teach import SequentialIds, StepClock

A = UUID(int=0xA)
B = UUID(int=0xB)
KEY = UUID(int=0x1)


class GatedStore(DuckDBEventStore):
    """A real store whose next append waits for ``gate`` (so commands pile up meanwhile), and
    that records how many appends each ``append_batch`` carried."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self.batches: list[int] = []

    def append_batch(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        gate, self.gate = self.gate, None
        if gate is not None:
            self.entered.set()
            gate.wait(10)
        self.batches.append(len(appends))
        return super().append_batch(appends)


@pytest.fixture
def store() -> Iterator[GatedStore]:
    with GatedStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE)) as s:
        yield s


@pytest.fixture
def committer(store: GatedStore) -> Iterator[GroupCommitter]:
    bank = Bank(store, new_id=SequentialIds(prefix=0xF))
    bank.handle(OpenAccount(A, "Ada", 100))
    bank.handle(OpenAccount(B, "Bo", 0))
    store.batches.clear()
    c = GroupCommitter(bank)
    yield c
    c.close()


def _held(store: GatedStore, committer: GroupCommitter) -> tuple[threading.Event, Future[Any]]:
    """Submit one deposit and hold the writer inside its append; return the gate and future."""
    gate = threading.Event()
    store.gate = gate
    first = committer.submit(DepositMoney(B, 1))
    assert store.entered.wait(10)
    return gate, first


def test_commands_queued_while_the_writer_is_busy_commit_as_one_group(
    store: GatedStore, committer: GroupCommitter
) -> None:
    gate, first = _held(store, committer)
    futures = [committer.submit(DepositMoney(A, n)) for n in range(1, 11)]
    gate.set()
    results = [f.result(10) for f in futures]
    assert first.result(10).new_version == 2
    assert [r.new_version for r in results] == list(range(2, 12))
    assert [r.position for r in results] == list(range(4, 14))
    assert store.batches == [1, 10], "ten commands, one append"
    assert (committer.stats.groups, committer.stats.commands, committer.stats.largest) == (
        2,
        11,
        10,
    )
    assert committer.stats.mean_group == 5.5


def test_a_refusal_in_a_group_refuses_only_its_own_command(
    store: GatedStore, committer: GroupCommitter
) -> None:
    gate, _ = _held(store, committer)
    futures = [
        committer.submit(WithdrawMoney(A, 60)),
        committer.submit(WithdrawMoney(A, 60)),  # 40 left by then: refused
        committer.submit(WithdrawMoney(A, 40)),
        committer.submit(DepositMoney(A, 5), expected_version=1),  # version 3 by then: stale
    ]
    gate.set()
    outcomes = [f.result(10) for f in futures]
    assert [o.status for o in outcomes] == ["accepted", "rejected", "accepted", "rejected"]
    assert isinstance(outcomes[1], CommandRejected)
    assert isinstance(outcomes[1].error, InsufficientFunds)
    assert isinstance(outcomes[3], CommandRejected)
    assert isinstance(outcomes[3].error, ConcurrencyConflict)
    assert Bank(store).load(A).balance == 0
    assert store.batches == [1, 2]


def test_one_key_never_twice_in_a_group(store: GatedStore, committer: GroupCommitter) -> None:
    gate, _ = _held(store, committer)
    first = committer.submit(DepositMoney(A, 7), key=KEY)
    again = committer.submit(DepositMoney(A, 7), key=KEY)
    other = committer.submit(DepositMoney(A, 1))
    gate.set()
    assert again.result(10) == first.result(10)
    assert other.result(10).status == "accepted"
    assert store.batches == [1, 2], "the repeated key waited for the next group, and wrote nothing"
    assert Bank(store).load(A).balance == 108


def test_a_key_reused_for_another_command_fails_only_that_request(
    store: GatedStore, committer: GroupCommitter
) -> None:
    committer.submit(DepositMoney(A, 7), key=KEY).result(10)
    gate, _ = _held(store, committer)
    reused = committer.submit(DepositMoney(A, 8), key=KEY)
    fine = [committer.submit(DepositMoney(A, 1)) for _ in range(3)]
    gate.set()
    with pytest.raises(DuplicateEventId):
        reused.result(10)
    assert [f.result(10).status for f in fine] == ["accepted"] * 3
    assert Bank(store).load(A).balance == 110


def test_a_store_that_fails_fails_every_request_with_a_store_error(
    store: GatedStore, committer: GroupCommitter
) -> None:
    gate, first = _held(store, committer)
    futures = [committer.submit(DepositMoney(A, 1)) for _ in range(3)]
    store.close()
    gate.set()
    for future in [first, *futures]:
        with pytest.raises(StoreError):
            future.result(10)


def test_close_commits_what_is_queued_and_a_later_command_starts_a_writer_again(
    store: GatedStore, committer: GroupCommitter
) -> None:
    gate, _ = _held(store, committer)
    futures = [committer.submit(DepositMoney(A, 1)) for _ in range(5)]
    closing = threading.Thread(target=committer.close)
    closing.start()
    gate.set()
    closing.join(10)
    assert all(isinstance(f.result(0), CommandResult) for f in futures)
    assert committer.submit(DepositMoney(A, 1)).result(10).new_version == 7


def test_max_group_bounds_a_group(store: GatedStore) -> None:
    bank = Bank(store)
    bank.handle(OpenAccount(A, "Ada", 0))
    bank.handle(OpenAccount(B, "Bo", 0))
    store.batches.clear()
    committer = GroupCommitter(bank, max_group=4)
    try:
        gate, _ = _held(store, committer)
        futures = [committer.submit(DepositMoney(A, 1)) for _ in range(10)]
        gate.set()
        assert [f.result(10).new_version for f in futures][-1] == 11
        assert store.batches == [1, 4, 4, 2]
    finally:
        committer.close()
