"""statement_log counts the statements a store runs: the cost of a command, as a number."""

from __future__ import annotations

from esbank import Bank, DepositMoney, DuckDBEventStore, WithdrawMoney
from esbank.teach import SequentialIds, StepClock
from esbank.teach.sqllog import statement_log


def bank() -> tuple[Bank, DuckDBEventStore]:
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    return Bank(store, new_id=SequentialIds()), store


def test_a_warm_command_is_one_insert() -> None:
    b, store = bank()
    account = b.open_account("Ada", 10_000).aggregate_id
    with statement_log(store) as log:
        for _ in range(5):
            b.handle(DepositMoney(account, 100))
    assert log.counts() == {"INSERT": 5}
    assert len(log) == 5
    assert all(s.startswith("INSERT INTO events") for s in log.statements)


def test_a_cold_command_reads_first_and_a_batch_writes_once() -> None:
    b, store = bank()
    account = b.open_account("Ada", 10_000).aggregate_id
    cold = Bank(store, new_id=SequentialIds(100))
    with statement_log(store) as log:
        cold.handle(WithdrawMoney(account, 100))
    assert log.counts() == {"INSERT": 1, "SELECT": 1}
    with statement_log(store) as log:
        outcomes = cold.handle_batch([DepositMoney(account, 1)] * 10)
    assert [o.status for o in outcomes] == ["accepted"] * 10
    assert log.counts() == {"INSERT": 1}


def test_the_log_starts_empty_and_leaves_out_its_own_calls() -> None:
    _, store = bank()
    with statement_log(store) as first:
        store.head_position()
    with statement_log(store) as second:
        pass
    assert first.counts() == {"SELECT": 1}
    assert second.statements == []
