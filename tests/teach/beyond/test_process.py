"""Transfers watched from outside (notebook 11): the log as rows, a crash at every step and
fault point and its resume, the trace of a crashed transfer, and the one-transaction way."""

from __future__ import annotations

import pytest

from esbank import ConcurrencyConflict, DepositMoney, TransferMoney, Transfers
from esbank.teach.beyond import (
    ADA,
    BO,
    CY,
    MANAGER,
    NOBODY,
    TRANSFER,
    crash_and_resume,
    crash_matrix,
    log_rows,
    money,
    one_transaction_transfer,
    started,
    trace_transfer,
    transfer_bank,
)


def test_the_bank_starts_with_ada_bo_and_a_closed_cy() -> None:
    bank = transfer_bank()
    assert money(bank.store) == {"Ada": 100_000, "Bo": 0, "Cy": 0, "in flight": 0, "total": 100_000}
    assert bank.load(CY).is_closed and started(bank.store) == []


def test_log_rows_name_streams_and_the_steps_that_wrote_them() -> None:
    bank = transfer_bank()
    head = bank.store.head_position()
    transfers = Transfers(bank.store, bank=bank, owner=MANAGER)
    transfers.start(TransferMoney(TRANSFER, ADA, BO, 25_000))
    transfers.advance(TRANSFER, max_steps=1)
    rows = log_rows(bank.store, after=head)
    assert rows[["stream", "event_type", "detail", "step"]].values.tolist() == [
        ["transfer #1", "TransferRequested", "Ada → Bo, 250.00", ""],
        ["Ada", "MoneyWithdrawn", "-25,000 ¢", "transfer #1, debit"],
        ["transfer #1", "TransferDebited", "", "transfer #1, debit"],
    ]
    assert money(bank.store)["in flight"] == 25_000


@pytest.mark.parametrize("target", [BO, CY, NOBODY])
def test_a_crash_anywhere_resumes_to_the_same_end(target: object) -> None:
    steps = ("debit", "credit", "complete") if target == BO else ("debit", "credit", "refund")
    table = crash_matrix(steps, target=target)  # type: ignore[arg-type]
    assert len(table) == 9 and table[("at the crash", "crashed")].all()
    assert (table[("at the crash", "total")] == 100_000).all()  # conserved at every crash
    after = table["after the resume"]
    assert set(after["status"]) == {"completed" if target == BO else "refunded"}
    assert (after["total"] == 100_000).all() and (after["in flight"] == 0).all()
    assert (after["money events"] == 2).all()  # debit + credit, or debit + refund: never more
    assert (after["transfer events"] == 4).all() and after["nothing twice"].all()
    if target == BO:
        assert set(after["Ada"]) == {75_000} and set(after["Bo"]) == {25_000}
    else:
        assert set(after["Ada"]) == {100_000}
    assert table.loc[("debit", "after command"), ("at the crash", "in flight")] == 25_000


def test_a_step_the_transfer_never_reaches_does_not_crash() -> None:
    row = crash_and_resume("refund", "before")  # a transfer to Bo never refunds
    assert row[("at the crash", "crashed")] is False
    assert row[("after the resume", "status")] == "completed"


def test_the_trace_keeps_the_total_and_shows_the_crash_and_the_new_manager() -> None:
    trace = trace_transfer(("debit", "after command"))
    assert set(trace["total"]) == {100_000}
    moments = trace["moment"].tolist()
    assert moments[0] == "requested" and moments[-1] == "completed"
    crash = moments.index("debit · after command ✗ crash")
    assert moments[crash + 1] == "new manager"
    assert trace["in flight"].iloc[crash] == 25_000
    # the new manager takes the debit again: Ada is not charged twice
    again = trace.iloc[crash + 1 :]
    assert "debit · after command" in again["moment"].tolist()
    assert set(again["Ada"]) == {75_000}
    assert trace["run"].tolist()[: crash + 2] == [0] + [1] * crash + [2]
    plain = trace_transfer(None)
    assert "new manager" not in plain["moment"].tolist()


def test_one_transaction_moves_both_or_conflicts_with_either() -> None:
    bank = transfer_bank()
    one_transaction_transfer(bank, ADA, BO, 10_000)
    assert (bank.load(ADA).balance, bank.load(BO).balance) == (90_000, 10_000)
    with pytest.raises(ConcurrencyConflict):
        one_transaction_transfer(bank, ADA, BO, 10_000, meanwhile=[DepositMoney(BO, 1)])
    assert (bank.load(ADA).balance, bank.load(BO).balance) == (90_000, 10_001)  # nothing moved
