"""Transfers watched from the outside (notebook 11): a small bank, the log as readable rows,
a crash at every step and fault point with its resume, a trace of balances and money in
flight, and the transfer done the other way, as one transaction over both accounts.

Everything runs ``esbank``'s own ``Transfers``; a crash is the ``Crash`` its ``fault`` hook
raises, and a resume is a new ``Transfers`` (a fresh ``Bank``, nothing cached) calling
``run``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

import pandas as pd

from esbank.app.bank import Bank
from esbank.app.transfers import FAULT_POINTS, Transfers, step_key
from esbank.domain.account import decide
from esbank.domain.commands import CloseAccount, Command, DepositMoney, OpenAccount, WithdrawMoney
from esbank.domain.money import format_cents
from esbank.domain.transfer import TransferMoney
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.protocol import SqlStore
from esbank.eventstore.types import AppendResult, RecordedEvent, StreamAppend
from esbank.teach.beyond.outside import Crash, change
from esbank.teach.determinism import SequentialIds, StepClock

ADA, BO, CY = UUID(int=0xADA), UUID(int=0xB0), UUID(int=0xC1)
NOBODY = UUID(int=0xDEAD)
"""An account id nobody ever opened."""
ACCOUNTS = {ADA: "Ada", BO: "Bo", CY: "Cy"}
"""The accounts of :func:`transfer_bank` (Cy's is closed)."""
TARGETS = {"Bo": BO, "Cy (closed)": CY, "nobody (never opened)": NOBODY}
TRANSFER = UUID(int=0x7001)
"""The id of the transfer each crash run makes."""
MANAGER = "transfer manager"
"""The worker name of every manager here: a restarted one takes its lease back at once."""
MONEY_STEPS = ("debit", "credit", "refund")
Case = tuple[str, str]


def transfer_bank(*, ada: int = 100_000, bo: int = 0) -> Bank:
    """A fresh bank in memory: Ada with ``ada`` cents, Bo with ``bo``, Cy opened and closed."""
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    bank = Bank(store, new_id=SequentialIds())
    for command in (
        OpenAccount(ADA, "Ada", ada),
        OpenAccount(BO, "Bo", bo),
        OpenAccount(CY, "Cy", 0),
        CloseAccount(CY),
    ):
        bank.handle(command)
    return bank


def started(store: SqlStore) -> list[UUID]:
    """Every transfer the log holds, in the order they were started."""
    return [r.aggregate_id for r in store.read_all() if r.event_type == "TransferRequested"]


def money(store: SqlStore) -> dict[str, int]:
    """Cents: each account's balance (a fresh load), the money in flight, and their total."""
    bank = Bank(store)
    row = {name: bank.load(account).balance for account, name in ACCOUNTS.items()}
    row["in flight"] = Transfers(store, bank=bank, owner=MANAGER).in_flight(started(store))
    row["total"] = sum(row.values())
    return row


def money_line(store: SqlStore) -> str:
    """:func:`money` as one line, e.g. ``Ada 750.00, Bo 250.00, …, total 1,000.00``."""
    return ", ".join(f"{name} {format_cents(cents)}" for name, cents in money(store).items())


# -- the log as rows ----------------------------------------------------------------------------
def _detail(r: RecordedEvent) -> str:
    event: Any = r.event
    if r.event_type == "TransferRequested":
        who = f"{ACCOUNTS.get(event.source, 'nobody')} → {ACCOUNTS.get(event.target, 'nobody')}"
        return f"{who}, {format_cents(event.amount)}"
    if r.event_type in ("TransferCreditRefused", "TransferRefunded"):
        return str(event.reason).split(";")[0]
    moved = change(event)
    return f"{moved:+,} ¢" if moved else ""


def _step(r: RecordedEvent, transfers: dict[UUID, str], steps: dict[str, str]) -> str:
    """Which transfer step wrote ``r`` (``transfer #1, debit``), or "" for none."""
    if r.aggregate_id in transfers and "step" in r.metadata:
        return f"{transfers[r.aggregate_id]}, {r.metadata['step']}"
    return steps.get(str(r.metadata.get("idempotency_key")), "")


def log_rows(store: SqlStore, *, after: int = 0) -> pd.DataFrame:
    """The log after position ``after``, one row per event: its stream (an account's name or
    ``transfer #n``), version, type, what it says, and which transfer step wrote it."""
    transfers = {t: f"transfer #{i}" for i, t in enumerate(started(store), 1)}
    steps = {
        str(step_key(t, s)): f"{name}, {s}" for t, name in transfers.items() for s in MONEY_STEPS
    }
    rows = [
        (
            r.position,
            ACCOUNTS.get(r.aggregate_id) or transfers.get(r.aggregate_id, str(r.aggregate_id)),
            r.version,
            r.event_type,
            _detail(r),
            _step(r, transfers, steps),
        )
        for r in store.read_all(after_position=after)
    ]
    columns = ["position", "stream", "version", "event_type", "detail", "step"]
    return pd.DataFrame(rows, columns=columns)


# -- a crash at a step and point, and the resume --------------------------------------------
def crash_once(step: str, point: str) -> Callable[[UUID, str, str], None]:
    """A ``fault`` hook that raises ``Crash`` the first time a manager reaches ``step`` at
    ``point``, and never again."""
    armed = [True]

    def fault(_transfer_id: UUID, at: str, where: str) -> None:
        if armed[0] and (at, where) == (step, point):
            armed[0] = False
            raise Crash(f"the transfer manager died at {step} · {point}")

    return fault


def _written_by_the_transfer(store: SqlStore) -> tuple[int, bool]:
    """How many account events the transfer's steps wrote, and whether nothing was written
    twice (each step's account command once at most, each transfer event type once)."""
    keys = {str(step_key(TRANSFER, s)) for s in MONEY_STEPS}
    written = Counter(
        r.metadata["idempotency_key"]
        for r in store.read_all()
        if r.aggregate_id in ACCOUNTS and r.metadata.get("idempotency_key") in keys
    )
    types = [r.event_type for r in store.read_stream(TRANSFER)]
    once = all(n == 1 for n in written.values()) and len(types) == len(set(types))
    return sum(written.values()), once


def crash_and_resume(
    step: str, point: str, *, target: UUID = BO, amount: int = 25_000
) -> dict[str, Any]:
    """Ada sends ``amount`` to ``target`` on a fresh bank; the manager dies at ``step`` ·
    ``point``; a new one resumes. What the accounts said at the crash and at the end."""
    bank = transfer_bank()
    crashing = Transfers(bank.store, bank=bank, fault=crash_once(step, point), owner=MANAGER)
    crashing.start(TransferMoney(TRANSFER, ADA, target, amount))
    try:
        crashing.run()
        crashed = False
    except Crash:
        crashed = True
    at_crash = money(bank.store)
    resumed = Transfers(bank.store, owner=MANAGER)
    resumed.run()
    after = money(bank.store)
    written, once = _written_by_the_transfer(bank.store)
    return {
        ("", "step"): step,
        ("", "point"): point,
        ("at the crash", "crashed"): crashed,
        **{("at the crash", k): at_crash[k] for k in ("Ada", "Bo", "in flight", "total")},
        ("after the resume", "status"): resumed.status(TRANSFER),
        **{("after the resume", k): after[k] for k in ("Ada", "Bo", "in flight", "total")},
        ("after the resume", "money events"): written,
        ("after the resume", "transfer events"): bank.store.stream_version(TRANSFER),
        ("after the resume", "nothing twice"): once,
    }


def crash_matrix(
    steps: Iterable[str] = ("debit", "credit", "complete"),
    points: Iterable[str] = FAULT_POINTS,
    *,
    target: UUID = BO,
    amount: int = 25_000,
) -> pd.DataFrame:
    """One fresh run per step × fault point (:func:`crash_and_resume`), as a table with the
    accounts at the crash and after the resume (cents)."""
    points = tuple(points)
    rows = [crash_and_resume(s, p, target=target, amount=amount) for s in steps for p in points]
    frame = pd.DataFrame(rows)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame.set_index([("", "step"), ("", "point")]).rename_axis(["step", "point"])


# -- balances and money in flight at every point of a crashed and resumed transfer ------------
def trace_transfer(
    crash: Case | None = ("credit", "after command"), *, target: UUID = BO, amount: int = 25_000
) -> pd.DataFrame:
    """Ada sends ``amount`` to ``target``; the accounts (cents) at every point a manager
    passes, a crash at ``crash`` (step, point) and the new manager's run after it."""
    bank = transfer_bank()
    rows: list[dict[str, Any]] = [{"run": 0, "moment": "requested"}]
    fault = crash_once(*crash) if crash is not None else None

    def observe(transfer_id: UUID, step: str, point: str) -> None:
        rows.append({"run": rows[-1]["run"] or 1, "moment": f"{step} · {point}"})
        rows[-1].update(money(bank.store))
        if fault is not None:
            fault(transfer_id, step, point)

    manager = Transfers(bank.store, bank=bank, fault=observe, owner=MANAGER)
    manager.start(TransferMoney(TRANSFER, ADA, target, amount))
    rows[0].update(money(bank.store))
    try:
        manager.run()
    except Crash:
        rows[-1]["moment"] += " ✗ crash"
        rows.append({"run": 2, "moment": "new manager"})
        rows[-1].update(money(bank.store))
        Transfers(bank.store, fault=observe, owner=MANAGER).run()
    rows.append({"run": rows[-1]["run"], "moment": Transfers(bank.store).status(TRANSFER)})
    rows[-1].update(money(bank.store))
    return pd.DataFrame(rows)


# -- the other way: one transaction over both accounts ----------------------------------------
def one_transaction_transfer(
    bank: Bank,
    source: UUID,
    target: UUID,
    amount: int,
    *,
    meanwhile: Sequence[Command] = (),
) -> list[AppendResult]:
    """The transfer as ONE atomic append over both streams (``append_batch``): load both
    accounts, decide the withdrawal and the deposit, then append both at the versions
    loaded, all or nothing. ``meanwhile`` runs other people's commands between the load and
    the append (a ``ConcurrencyConflict`` if they touched either account)."""
    source_state, target_state = bank.load(source), bank.load(target)
    debit = decide(WithdrawMoney(source, amount), source_state)
    credit = decide(DepositMoney(target, amount), target_state)
    for command in meanwhile:
        bank.handle(command)
    return bank.store.append_batch(
        [
            StreamAppend(source, debit, source_state.version),
            StreamAppend(target, credit, target_state.version),
        ]
    )
