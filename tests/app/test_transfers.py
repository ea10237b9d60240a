"""Transfers: a process manager over two accounts that crashes anywhere and loses nothing.

The invariants, for any transfers, crashes and restarts (hypothesis): money is conserved
(balances plus money in flight never change), no account goes below zero, every transfer ends
completed or refunded, and no step moves money twice.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

import pytest
from backends import Backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esbank import (
    Bank,
    CloseAccount,
    InvalidArgument,
    InvalidCommand,
    OpenAccount,
    WithdrawMoney,
)
from esbank.app.transfers import FAULT_POINTS, Transfers, step_key
from esbank.domain.transfer import TransferAlreadyRequested, TransferMoney
from esbank.teach import SequentialIds

ACCOUNTS = [UUID(int=0xACC0 + i) for i in range(4)]
CLOSED = UUID(int=0xC105ED)
UNKNOWN = UUID(int=0xDEAD)


class Crash(Exception):
    """The process dies here (a fault injected between two writes)."""


def bank_with_accounts(backend: Backend, balances: list[int]) -> Bank:
    """A bank on a database of its own, on the test's backend (every test here runs on
    DuckDB and on PostgreSQL)."""
    bank = Bank(backend.fresh(), new_id=SequentialIds())
    for i, account in enumerate(ACCOUNTS):  # all four open; the balances given, else 0
        bank.handle(OpenAccount(account, "Owner", balances[i] if i < len(balances) else 0))
    bank.handle(OpenAccount(CLOSED, "Gone", 0))
    bank.handle(CloseAccount(CLOSED))
    return bank


def total(bank: Bank) -> int:
    return sum(Bank(bank.store).load(a).balance for a in ACCOUNTS)


def tid(n: int) -> UUID:
    return UUID(int=0x7000 + n)


def test_a_transfer_moves_money_and_completes(backend: Backend) -> None:
    bank = bank_with_accounts(backend, [1_000, 0])
    transfers = Transfers(bank.store, bank=bank)
    transfers.start(TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 300))
    assert transfers.status(tid(1)) == "pending"
    assert transfers.run() == 3  # debit, credit, complete
    assert transfers.status(tid(1)) == "completed"
    assert [bank.load(a).balance for a in ACCOUNTS[:2]] == [700, 300]
    assert transfers.run() == 0  # idle


@pytest.mark.parametrize(("target", "why"), [(CLOSED, "is closed"), (UNKNOWN, "not been opened")])
def test_a_refused_credit_refunds_the_source(backend: Backend, target: UUID, why: str) -> None:
    bank = bank_with_accounts(backend, [1_000])
    transfers = Transfers(bank.store, bank=bank)
    transfers.start(TransferMoney(tid(1), ACCOUNTS[0], target, 400))
    assert transfers.run() == 3  # debit, credit refused, refund
    state = transfers.load(tid(1))
    assert (state.status, state.stage) == ("refunded", "refunded")
    assert why in (state.reason or "")
    assert bank.load(ACCOUNTS[0]).balance == 1_000
    assert [e.event_type for e in bank.store.read_stream(tid(1))] == [
        "TransferRequested",
        "TransferDebited",
        "TransferCreditRefused",
        "TransferRefunded",
    ]


def test_a_refused_debit_ends_the_transfer_with_nothing_moved(backend: Backend) -> None:
    bank = bank_with_accounts(backend, [100, 0])
    transfers = Transfers(bank.store, bank=bank)
    transfers.start(TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 500))
    transfers.run()
    state = transfers.load(tid(1))
    assert state.status == "refunded" and "insufficient funds" in (state.reason or "")
    assert [bank.load(a).balance for a in ACCOUNTS[:2]] == [100, 0]


def test_starting_the_same_transfer_twice_is_one_transfer(backend: Backend) -> None:
    bank = bank_with_accounts(backend, [1_000, 0])
    transfers = Transfers(bank.store, bank=bank)
    command = TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 10)
    transfers.start(command)
    transfers.start(command)
    assert len(bank.store.read_stream(tid(1))) == 1
    with pytest.raises(TransferAlreadyRequested):
        transfers.start(TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 11))


@pytest.mark.parametrize("step", ["debit", "credit", "complete"])
@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_crash_at_any_step_resumes_without_doubling(
    backend: Backend, step: str, point: str
) -> None:
    bank = bank_with_accounts(backend, [1_000, 0])

    def crash(transfer_id: UUID, at: str, where: str) -> None:
        if (at, where) == (step, point):
            raise Crash

    crashing = Transfers(bank.store, bank=bank, fault=crash)
    crashing.start(TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 250))
    with pytest.raises(Crash):
        crashing.run()
    assert total(bank) + crashing.in_flight([tid(1)]) == 1_000
    resumed = Transfers(bank.store)  # a new manager: a fresh Bank, nothing cached
    resumed.run()
    assert resumed.status(tid(1)) == "completed"
    assert [Bank(bank.store).load(a).balance for a in ACCOUNTS[:2]] == [750, 250]
    assert len(bank.store.read_stream(ACCOUNTS[0])) == 2  # opened, one withdrawal: not two


def test_transfers_by_status_and_by_account(backend: Backend) -> None:
    bank = bank_with_accounts(backend, [1_000, 0, 50])
    transfers = Transfers(bank.store, bank=bank)
    transfers.start(TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 300))
    transfers.start(TransferMoney(tid(2), ACCOUNTS[0], CLOSED, 200))
    transfers.start(TransferMoney(tid(3), ACCOUNTS[2], ACCOUNTS[1], 60))
    transfers.run()
    by_status = transfers.by_status()
    assert by_status[["status", "transfers", "amount"]].values.tolist() == [
        ["completed", 1, 300],
        ["refunded", 2, 260],
    ]
    mine = transfers.of_account(ACCOUNTS[1])
    assert mine["transfer_id"].tolist() == [tid(1), tid(3)]
    assert mine["status"].tolist() == ["completed", "refunded"]


def test_transfers_leave_the_account_read_models_alone(backend: Backend) -> None:
    from esbank import Projector, Queries, standard_projections

    bank = bank_with_accounts(backend, [1_000, 0])
    transfers = Transfers(bank.store, bank=bank)
    transfers.start(TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 300))
    transfers.run()
    Projector(bank.store, standard_projections()).run()
    balances = Queries(bank.store).top_accounts(10)
    assert tid(1) not in set(balances["aggregate_id"])
    assert dict(zip(balances["aggregate_id"], balances["balance"], strict=True)) == {
        ACCOUNTS[0]: 700,
        ACCOUNTS[1]: 300,
        ACCOUNTS[2]: 0,
        ACCOUNTS[3]: 0,
    }


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((tid(1), ACCOUNTS[0], ACCOUNTS[0], 5), InvalidCommand),
        ((tid(1), ACCOUNTS[0], ACCOUNTS[1], 0), InvalidCommand),
        ((tid(1), ACCOUNTS[0], ACCOUNTS[1], 1.5), InvalidCommand),
        ((ACCOUNTS[0], ACCOUNTS[0], ACCOUNTS[1], 5), InvalidCommand),
        (("t", ACCOUNTS[0], ACCOUNTS[1], 5), InvalidCommand),
    ],
)
def test_bad_transfers_are_refused_before_anything_is_written(
    backend: Backend, args: tuple[Any, ...], error: type[Exception]
) -> None:
    with pytest.raises(error):
        TransferMoney(*args)
    bank = bank_with_accounts(backend, [1])
    with pytest.raises(InvalidArgument):
        Transfers(bank.store).start("not a command")  # type: ignore[arg-type]


transfer_plans = st.lists(
    st.tuples(
        st.integers(0, 3),  # source
        st.integers(0, 5),  # target: 4 is the closed account, 5 one never opened
        st.integers(1, 700),  # amount
    ),
    min_size=1,
    max_size=8,
)
crashes = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.sampled_from(["debit", "credit", "complete", "refund"]),
        st.sampled_from(FAULT_POINTS),
    ),
    max_size=4,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    balances=st.lists(st.integers(0, 1_000), min_size=4, max_size=4),
    plan=transfer_plans,
    faults=crashes,
)
def test_invariants_under_random_transfers_crashes_and_restarts(
    backend: Backend,
    balances: list[int],
    plan: list[tuple[int, int, int]],
    faults: list[tuple[int, str, str]],
) -> None:
    run_scenario(backend, balances, plan, faults)


def test_the_invariants_hold_across_two_crashes(backend: Backend) -> None:
    """Sure to crash twice: in the middle of a credit, and just before a refund."""
    crashed = run_scenario(
        backend,
        [500, 500, 0, 0],
        [(0, 1, 100), (1, 4, 50), (2, 3, 10)],
        [(0, "credit", "after command"), (1, "refund", "before")],
    )
    assert crashed == 2


def run_scenario(
    backend: Backend,
    balances: list[int],
    plan: list[tuple[int, int, int]],
    faults: list[tuple[int, str, str]],
) -> int:
    """Start the planned transfers, crash at the faults, restart, and check every invariant;
    returns how many crashes happened."""
    bank = bank_with_accounts(backend, balances)
    targets = [*ACCOUNTS, CLOSED, UNKNOWN]
    ids = [tid(i) for i in range(len(plan))]
    pending = list(faults)

    def fault(transfer_id: UUID, step: str, point: str) -> None:
        index = ids.index(transfer_id)
        if pending and pending[0] == (index, step, point):
            pending.pop(0)
            raise Crash

    manager = Transfers(bank.store, bank=bank, fault=fault)
    crashed = 0
    for transfer_id, (source, target, amount) in zip(ids, plan, strict=True):
        if ACCOUNTS[source] != targets[target]:
            manager.start(TransferMoney(transfer_id, ACCOUNTS[source], targets[target], amount))
    started = [t for t in ids if manager.load(t).stage != "new"]
    for _ in range(len(faults) + 1):
        try:
            manager.run()
            break
        except Crash:
            crashed += 1
            # money is conserved at every crash, too
            assert total(bank) + manager.in_flight(started) == sum(balances)
            manager = Transfers(bank.store, fault=fault)  # restart: a fresh manager
    manager.run()
    assert total(bank) == sum(balances)  # conserved, nothing in flight at the end
    assert all(Bank(bank.store).load(a).balance >= 0 for a in ACCOUNTS)
    assert {manager.status(t) for t in started} <= {"completed", "refunded"}
    # nothing applied twice: each step's account command is stored at most once
    keys = Counter(
        r.metadata.get("idempotency_key")
        for a in ACCOUNTS
        for r in bank.store.read_stream(a)
        if r.metadata.get("idempotency_key")
    )
    assert all(n == 1 for n in keys.values())
    for t in started:
        state = manager.load(t)
        moved = {step_key(t, s) for s in ("debit", "credit", "refund")} & {UUID(k) for k in keys}
        if state.status == "completed":
            assert moved == {step_key(t, "debit"), step_key(t, "credit")}
        elif state.stage == "refunded" and "debit" in (state.reason or ""):
            assert moved == set()
    return crashed


def test_advance_takes_one_step_at_a_time_when_asked(backend: Backend) -> None:
    bank = bank_with_accounts(backend, [1_000, 0])
    transfers = Transfers(bank.store, bank=bank)
    transfers.start(TransferMoney(tid(1), ACCOUNTS[0], ACCOUNTS[1], 300))
    stages = []
    while transfers.advance(tid(1), max_steps=1):
        stages.append(transfers.load(tid(1)).stage)
    assert stages == ["debited", "credited", "completed"]
    assert transfers.advance(tid(1), max_steps=1) == 0  # nothing left to do
    assert [bank.load(a).balance for a in ACCOUNTS[:2]] == [700, 300]
    with pytest.raises(InvalidArgument, match="max_steps"):
        transfers.advance(tid(1), max_steps=0)


def test_a_refused_refund_leaves_the_transfer_pending_with_its_money_in_flight(
    backend: Backend,
) -> None:
    """The source was emptied and closed between the debit and the refund: the refund is
    refused, the transfer waits (pending) and its money stays in flight; nothing is lost."""
    bank = bank_with_accounts(backend, [1_000])

    def crash(transfer_id: UUID, step: str, point: str) -> None:
        if (step, point) == ("refund", "before"):
            raise Crash

    crashing = Transfers(bank.store, bank=bank, fault=crash)
    crashing.start(TransferMoney(tid(1), ACCOUNTS[0], CLOSED, 400))
    with pytest.raises(Crash):
        crashing.run()
    bank.handle(WithdrawMoney(ACCOUNTS[0], 600))
    bank.handle(CloseAccount(ACCOUNTS[0]))
    resumed = Transfers(bank.store)
    resumed.run()
    assert resumed.status(tid(1)) == "pending"
    assert resumed.load(tid(1)).stage == "credit_refused"
    assert resumed.in_flight([tid(1)]) == 400
    assert total(bank) + resumed.in_flight([tid(1)]) == 1_000 - 600
