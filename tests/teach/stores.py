"""Stores the teach tests build again and again: the old application's history, and a bank
whose one account grew one command at a time."""

from __future__ import annotations

from uuid import UUID

from esbank import Bank, DepositMoney, DuckDBEventStore, OpenAccount
from esbank.teach import SequentialIds
from esbank.teach.determinism import memory_store
from esbank.teach.schema import write_legacy_history

GROWN_ACCOUNT = UUID(int=0xACC)
"""The account of :func:`bank_grown_one_event_at_a_time`."""


def legacy_store() -> DuckDBEventStore:
    """A fresh store holding the old application's history (notebook 05)."""
    store = memory_store()
    write_legacy_history(store)
    return store


def bank_grown_one_event_at_a_time(length: int, every: int) -> Bank:
    """A real bank whose single account got its ``length`` events one command at a time."""
    bank = Bank(memory_store(), new_id=SequentialIds(prefix=0xB), snapshot_every=every)
    bank.handle(OpenAccount(GROWN_ACCOUNT, "Ada", 100))
    for _ in range(length - 1):
        bank.handle(DepositMoney(GROWN_ACCOUNT, 1))
    return bank
