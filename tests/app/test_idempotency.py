"""Idempotency keys: a retried command returns its original result and writes nothing (both
backends)."""

from __future__ import annotations

from uuid import UUID

import pytest
from backends import Backend
from support import rows

from esbank import (
    Bank,
    DepositMoney,
    DuplicateEventId,
    InvalidArgument,
    OpenAccount,
    WithdrawMoney,
)
from esbank.teach import SequentialIds

A, B = UUID(int=0xA), UUID(int=0xB)
KEY, OTHER = UUID(int=0x1DE0), UUID(int=0x1DE1)


@pytest.fixture
def bank(backend: Backend) -> Bank:
    bank = Bank(backend.store(), new_id=SequentialIds())
    bank.handle(OpenAccount(A, "Ann", 100))
    bank.handle(OpenAccount(B, "Bob", 0))
    return bank


def test_a_retry_with_the_same_key_returns_the_original_result(bank: Bank) -> None:
    first = bank.handle(WithdrawMoney(A, 100), idempotency_key=KEY)
    before = rows(bank.store)
    # the first answer was lost; the client sends the same command again: the money is gone
    # by now, yet the retry answers as the first call did and withdraws nothing more
    again = bank.handle(WithdrawMoney(A, 100), idempotency_key=KEY)
    assert again == first
    assert rows(bank.store) == before
    assert bank.load(A).balance == 0


def test_a_fresh_bank_still_knows_the_key(bank: Bank) -> None:
    first = bank.handle(DepositMoney(A, 5), idempotency_key=KEY)
    restarted = Bank(bank.store, new_id=SequentialIds(prefix=0xB))
    assert restarted.handle(DepositMoney(A, 5), idempotency_key=KEY) == first
    assert bank.load(A).balance == 105


def test_the_same_key_for_another_command_is_refused(bank: Bank) -> None:
    bank.handle(DepositMoney(A, 5), idempotency_key=KEY)
    before = rows(bank.store)
    for other in (DepositMoney(A, 6), DepositMoney(B, 5), WithdrawMoney(A, 5)):
        with pytest.raises(DuplicateEventId, match="already used for another command"):
            bank.handle(other, idempotency_key=KEY)
    assert rows(bank.store) == before


def test_keys_in_a_batch(bank: Bank) -> None:
    first = bank.handle_batch(
        [DepositMoney(A, 1), DepositMoney(B, 2)], idempotency_keys=[KEY, None]
    )
    before = rows(bank.store)
    again = bank.handle_batch(
        [DepositMoney(A, 1), DepositMoney(B, 3), DepositMoney(A, 4)],
        idempotency_keys=[KEY, None, OTHER],
    )
    assert again[0] == first[0]
    assert [o.status for o in again] == ["accepted"] * 3
    assert len(rows(bank.store)) == len(before) + 2
    assert bank.load(A).balance == 105 and bank.load(B).balance == 5


@pytest.mark.parametrize("keys", [[KEY], "abc", [KEY, "x"], 5])
def test_bad_keys_are_refused(bank: Bank, keys: object) -> None:
    with pytest.raises(InvalidArgument, match="idempotency_keys"):
        bank.handle_batch([DepositMoney(A, 1), DepositMoney(B, 2)], idempotency_keys=keys)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="idempotency_key"):
        bank.handle(DepositMoney(A, 1), idempotency_key="key")  # type: ignore[arg-type]


def test_a_key_twice_in_one_batch_is_refused(bank: Bank) -> None:
    with pytest.raises(InvalidArgument, match="repeats a key"):
        bank.handle_batch([DepositMoney(A, 1), DepositMoney(A, 1)], idempotency_keys=[KEY, KEY])


def test_the_same_key_stored_between_check_and_append_answers_the_original(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with one key at the same moment: both checked before either wrote."""
    from esbank.app import bank as bank_module

    done = bank.handle(DepositMoney(A, 5), idempotency_key=KEY)
    bank.handle(DepositMoney(A, 1))  # the stream moves on
    real = bank_module.earlier_results
    calls = []

    def not_yet_then_real(*args: object) -> object:
        calls.append(args)
        return {} if len(calls) == 1 else real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bank_module, "earlier_results", not_yet_then_real)
    before = rows(bank.store)
    assert bank.handle(DepositMoney(A, 5), idempotency_key=KEY) == done
    assert len(calls) == 2
    assert rows(bank.store) == before
