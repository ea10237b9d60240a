"""The exercise check of notebook 06: a projection of the largest withdrawal per account.

The answer runs through a real ``Projector`` over a scripted history, in one batch and then
in smaller ones (which must merge with the table), and is rebuilt two ways; a wrong table gets
the most likely mistake as a hint.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import duckdb

from esbank.app.bank import Bank
from esbank.app.projections import Projector
from esbank.domain.commands import Command, DepositMoney, OpenAccount, WithdrawMoney
from esbank.domain.events import AccountOpened, MoneyDeposited, MoneyWithdrawn
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import StoreError
from esbank.teach.determinism import SequentialIds, StepClock, memory_store
from esbank.teach.grading import Mistake, failed, passed

TABLE = "largest_withdrawals"
BATCH_SIZES = (1_000, 5, 3, 2, 1)
"""One batch first (the SQL itself), then smaller ones (merging with the table)."""
Table = dict[UUID, int]
Owners = dict[UUID, str]


def _history() -> tuple[DuckDBEventStore, Table, Owners]:
    """A scripted history on a fresh store: the expected largest withdrawal per account."""
    store = memory_store(0x6E)
    bank = Bank(store, new_id=SequentialIds(prefix=0x6B))
    ada, bo, cy = UUID(int=0x6A), UUID(int=0x6B), UUID(int=0x6C)
    script: list[Command] = [
        OpenAccount(ada, "Ada", 50_000),
        OpenAccount(bo, "Bo", 90_000),
        OpenAccount(cy, "Cy", 1_000),
        WithdrawMoney(ada, 700),
        DepositMoney(cy, 80_000),
        WithdrawMoney(bo, 300),
        WithdrawMoney(ada, 12_000),
        DepositMoney(ada, 40_000),
        WithdrawMoney(bo, 250),
        WithdrawMoney(ada, 900),
        DepositMoney(bo, 5),
        WithdrawMoney(ada, 12_000),
        WithdrawMoney(bo, 4_100),
        DepositMoney(cy, 20),
        WithdrawMoney(ada, 3),
    ]
    for command in script:
        bank.handle(command)
    expected: dict[UUID, int] = {}
    for r in store.read_all():
        if isinstance(r.event, MoneyWithdrawn):
            expected[r.aggregate_id] = max(expected.get(r.aggregate_id, 0), r.event.amount)
    return store, expected, {ada: "Ada", bo: "Bo", cy: "Cy"}


def _table(store: DuckDBEventStore) -> dict[UUID, int]:
    rows = store.connection.execute(
        f"SELECT aggregate_id, amount FROM {TABLE} ORDER BY aggregate_id"
    ).fetchall()
    return {UUID(str(a)): int(v) for a, v in rows}


def _show(table: dict[UUID, int], owners: dict[UUID, str]) -> str:
    return "{" + ", ".join(f"{owners.get(a, str(a))}: {v}" for a, v in table.items()) + "}"


def _diagnose(
    got: dict[UUID, int], expected: dict[UUID, int], store: DuckDBEventStore, whole_log: bool
) -> str:
    """The most likely mistake behind a wrong table, as a hint."""
    withdrawals: dict[UUID, list[int]] = {}
    deposits: dict[UUID, list[int]] = {}
    for r in store.read_all():
        if isinstance(r.event, MoneyWithdrawn):
            withdrawals.setdefault(r.aggregate_id, []).append(r.event.amount)
        elif isinstance(r.event, MoneyDeposited | AccountOpened):
            amount = getattr(r.event, "amount", None) or getattr(r.event, "initial_balance", 0)
            deposits.setdefault(r.aggregate_id, []).append(amount)
    if not whole_log:
        return (
            "one batch of the whole log gave the right table, smaller batches did not: a "
            "batch only sees its own events, so merge with what the table already holds, "
            f"e.g. ON CONFLICT (aggregate_id) DO UPDATE SET amount = greatest({TABLE}"
            ".amount, excluded.amount) (not excluded.amount alone, not DO NOTHING)."
        )
    if set(got) - set(expected):
        extra = sorted(set(got) - set(expected))
        return (
            f"{len(extra)} account(s) without any withdrawal got a row: you are counting "
            "deposits (or openings) too. Keep only rows WHERE event_type = 'MoneyWithdrawn'."
        )
    if withdrawals and all(got.get(a) == -min(w) for a, w in withdrawals.items()):
        return (
            "you took max(change): withdrawals carry a negative change, so max(change) is the "
            "smallest withdrawal, as a negative number. Take max(-change) (or -min(change))."
        )
    if any(v < 0 for v in got.values()):
        return (
            "the amounts are negative: withdrawals carry a negative change, so the largest "
            "withdrawal is max(-change) (or -min(change)), stored as a positive number of cents."
        )
    if any(got.get(a) == min(w) != max(w) for a, w in withdrawals.items()):
        return (
            "you kept the smallest withdrawal of each account: the largest is max(-change) "
            "(or -min(change)), not min(-change) or max(change)."
        )
    if any(
        got.get(a) is not None and got.get(a) in deposits.get(a, []) and got.get(a) not in w
        for a, w in withdrawals.items()
    ):
        return (
            "some amounts are deposits: filter on event_type = 'MoneyWithdrawn' before "
            "taking the maximum."
        )
    if set(got) != set(expected):
        return (
            "some accounts with withdrawals have no row: insert one row per account that "
            "withdrew, GROUP BY aggregate_id, and merge later batches with ON CONFLICT."
        )
    return (
        "merge a batch with what the table already holds: keep greatest(old, new) for "
        "accounts already in the table."
    )


def _projection(answer: Any) -> tuple[Any, Mistake | None]:
    """The answer as a projection instance, or why it is not one."""
    if answer is None:
        return None, (
            "LargestWithdrawal is not defined yet.",
            "write the class in the exercise cell, run that cell, then run this check again.",
        )
    try:
        projection = answer() if isinstance(answer, type) else answer
    except NotImplementedError:
        return None, (
            "creating LargestWithdrawal() raises NotImplementedError.",
            "fill in the class: name, tables, create(conn) and apply(conn, source).",
        )
    except Exception as exc:
        return None, (
            f"creating LargestWithdrawal() raised {type(exc).__name__}: {exc}",
            "the class needs no constructor arguments; give it class attributes and methods.",
        )
    missing = [a for a in ("name", "tables", "create", "apply") if not hasattr(projection, a)]
    if missing:
        return None, (
            f"LargestWithdrawal has no {', '.join(missing)}.",
            "a projection has a name (str), tables (a tuple of table names), create(conn) and "
            "apply(conn, source).",
        )
    if not isinstance(projection.name, str) or not projection.name:
        return None, (
            f"name must be a non-empty str, got {projection.name!r}.",
            'use name = "largest_withdrawal": the checkpoint row is stored under it.',
        )
    if tuple(projection.tables) != (TABLE,):
        return None, (
            f"tables is {projection.tables!r}.",
            f'use tables = ("{TABLE}",): reset and rebuild empty exactly these tables.',
        )
    return projection, None


def _run(projection: Any, store: DuckDBEventStore, batch: int) -> tuple[Any, Mistake | None]:
    """A projector running the answer over the whole log in batches of ``batch``, or why it
    could not."""
    try:
        projector = Projector(store, [projection], batch_size=batch, clock=StepClock())
        projector.run()
        _table(store)
    except NotImplementedError:
        return None, (
            "create or apply still raises NotImplementedError.",
            "create: CREATE TABLE IF NOT EXISTS largest_withdrawals (aggregate_id UUID "
            "PRIMARY KEY, amount BIGINT NOT NULL); apply: one INSERT … SELECT from "
            "{source}.",
        )
    except Exception as raised:
        return None, _why_it_failed(raised, batch)
    return projector, None


def _why_it_failed(raised: Exception, batch: int) -> Mistake:
    """What a learner's projection got wrong, from what the projector raised. (The store
    reports DuckDB's errors as StoreError; the DuckDB error is its cause.)"""
    exc = raised.__cause__ if isinstance(raised, StoreError) else raised
    if isinstance(exc, duckdb.ConstraintException):
        return (
            f"with batches of {batch} event(s), a later batch failed: {exc}",
            "a second batch meets accounts already in the table: add ON CONFLICT "
            "(aggregate_id) DO UPDATE SET amount = greatest(largest_withdrawals.amount, "
            "excluded.amount).",
        )
    if isinstance(exc, duckdb.CatalogException):
        return (
            f"a table or column was not found: {exc}",
            f"create must make the table {TABLE}(aggregate_id UUID PRIMARY KEY, "
            "amount BIGINT NOT NULL), and apply reads the batch relation "
            "named by source (use an f-string: FROM {source}).",
        )
    return (
        f"with batches of {batch} event(s), the projector raised {type(exc).__name__}: {exc}",
        "apply runs SQL on conn over the relation named by source; the columns "
        "are position, aggregate_id, version, recorded_at, event_type, owner, "
        "change, closes.",
    )


def _rebuild_mistake(
    projector: Projector, name: str, store: DuckDBEventStore, expected: Table, owners: Owners
) -> Mistake | None:
    """Why ``rebuild`` or ``rebuild_set_based`` does not give the expected table, or None."""
    try:
        projector.rebuild(name)
        rebuilt = _table(store)
        projector.rebuild_set_based(name)
        set_based = _table(store)
    except Exception as exc:
        return (
            f"rebuilding raised {type(exc).__name__}: {exc}",
            "a rebuild empties tables and replays the log through the same "
            "apply; use only the batch columns, and CAST(aggregate_id AS UUID).",
        )
    for how, table in (("rebuild", rebuilt), ("rebuild_set_based", set_based)):
        if table != expected:
            return (
                f"after {how} the table holds {_show(table, owners)}, "
                f"expected {_show(expected, owners)}.",
                "the projection must depend only on the events: no state "
                "outside its table, nothing from the clock.",
            )
    return None


def _table_mistake(
    store: DuckDBEventStore, batch: int, expected: Table, owners: Owners
) -> Mistake | None:
    """Why the answer's table is not the expected one, with the likely mistake, or None."""
    got = _table(store)
    if got == expected:
        return None
    return (
        f"with batches of {batch} event(s) the table holds {_show(got, owners)}, "
        f"expected {_show(expected, owners)} (cents).",
        _diagnose(got, expected, store, batch == BATCH_SIZES[0]),
    )


def _batch_mistake(projection: Any, batch: int) -> tuple[Mistake | None, Table, Owners]:
    """The answer on a fresh scripted history in batches of ``batch`` (and, with the last
    batch size, rebuilt two ways): why the table is wrong, or None; the expected table."""
    store, expected, owners = _history()
    try:
        projector, mistake = _run(projection, store, batch)
        if mistake is None:
            mistake = _table_mistake(store, batch, expected, owners)
        if mistake is None and batch == BATCH_SIZES[-1]:
            mistake = _rebuild_mistake(projector, projection.name, store, expected, owners)
    finally:
        store.close()
    return mistake, expected, owners


def check_largest_withdrawal(answer: Any) -> bool:
    """Notebook 06, exercise 1: a projection of the largest withdrawal per account.

    ``answer`` is the class (or an instance) with ``name``, ``tables``, ``create`` and
    ``apply``. It runs through a ``Projector`` over a scripted history with several batch
    sizes; then ``Projector.rebuild`` and ``rebuild_set_based`` must give the same table.
    """
    projection, mistake = _projection(answer)
    if mistake is not None:
        return failed(*mistake)
    for batch in BATCH_SIZES:
        mistake, expected, owners = _batch_mistake(projection, batch)
        if mistake is not None:
            return failed(*mistake)
    return passed(
        f"the largest withdrawal per account is right with batches of "
        f"{', '.join(map(str, sorted(BATCH_SIZES)))} events, and rebuild and rebuild_set_based "
        f"give the same table: {_show(expected, owners)} (Cy never withdrew, so no row)."
    )
