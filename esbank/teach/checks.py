"""Exercise checks. Each ``check_…(answer)`` prints ✅ or ❌ with a hint and returns a bool.

A check never raises because of the answer: an undefined answer (``None``), a stub that
still raises ``NotImplementedError`` or a wrong result all print a ❌ line and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from esbank.domain.commands import Command, DepositMoney, WithdrawMoney
from esbank.domain.events import (
    AccountOpened,
    Event,
    MoneyDeposited,
    MoneyWithdrawn,
)
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.teach.determinism import SequentialIds, StepClock

_ACCOUNT = UUID(int=0xE1)


def _passed(text: str) -> bool:
    print(f"✅ {text}")
    return True


def _failed(text: str, hint: str) -> bool:
    print(f"❌ {text}\n   Hint: {hint}")
    return False


def _show(events: Sequence[Event]) -> str:
    return "[" + ", ".join(repr(e) for e in events) + "]"


def _not_callable(name: str, answer: Any, cell: str) -> bool:
    if answer is None:
        return _failed(
            f"{name} is not defined yet.",
            f"write {name} in the {cell} cell, run that cell, then run this check again.",
        )
    return _failed(
        f"{name} must be a function, got {type(answer).__name__}.",
        f"define it with `def {name}(...):` in the {cell} cell.",
    )


# -- notebook 06, exercise 1: the largest withdrawal per account -----------------------------
_LW_TABLE = "largest_withdrawals"
_LW_BATCH_SIZES = (1_000, 5, 3, 2, 1)
"""One batch first (the SQL itself), then smaller ones (merging with the table)."""


def _lw_history() -> tuple[DuckDBEventStore, dict[UUID, int], dict[UUID, str]]:
    """A scripted history on a fresh store: the expected largest withdrawal per account."""
    from esbank.app.bank import Bank
    from esbank.domain.commands import OpenAccount

    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0x6E))
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


def _lw_table(store: DuckDBEventStore) -> dict[UUID, int]:
    rows = store.connection.execute(
        f"SELECT aggregate_id, amount FROM {_LW_TABLE} ORDER BY aggregate_id"
    ).fetchall()
    return {UUID(str(a)): int(v) for a, v in rows}


def _lw_show(table: dict[UUID, int], owners: dict[UUID, str]) -> str:
    return "{" + ", ".join(f"{owners.get(a, str(a))}: {v}" for a, v in table.items()) + "}"


def _lw_diagnose(
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
            f"e.g. ON CONFLICT (aggregate_id) DO UPDATE SET amount = greatest({_LW_TABLE}"
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


def _lw_instance(answer: Any) -> Any:
    return answer() if isinstance(answer, type) else answer


def check_largest_withdrawal(answer: Any) -> bool:
    """Notebook 06, exercise 1: a projection of the largest withdrawal per account.

    ``answer`` is the class (or an instance) with ``name``, ``tables``, ``create`` and
    ``apply``. It runs through a ``Projector`` over a scripted history with several batch
    sizes; then ``Projector.rebuild`` and ``rebuild_set_based`` must give the same table.
    """
    import duckdb

    from esbank.app.projections import Projector

    if answer is None:
        return _failed(
            "LargestWithdrawal is not defined yet.",
            "write the class in the exercise cell, run that cell, then run this check again.",
        )
    try:
        projection = _lw_instance(answer)
    except NotImplementedError:
        return _failed(
            "creating LargestWithdrawal() raises NotImplementedError.",
            "fill in the class: name, tables, create(conn) and apply(conn, source).",
        )
    except Exception as exc:
        return _failed(
            f"creating LargestWithdrawal() raised {type(exc).__name__}: {exc}",
            "the class needs no constructor arguments; give it class attributes and methods.",
        )
    missing = [a for a in ("name", "tables", "create", "apply") if not hasattr(projection, a)]
    if missing:
        return _failed(
            f"LargestWithdrawal has no {', '.join(missing)}.",
            "a projection has a name (str), tables (a tuple of table names), create(conn) and "
            "apply(conn, source).",
        )
    if not isinstance(projection.name, str) or not projection.name:
        return _failed(
            f"name must be a non-empty str, got {projection.name!r}.",
            'use name = "largest_withdrawal": the checkpoint row is stored under it.',
        )
    if tuple(projection.tables) != (_LW_TABLE,):
        return _failed(
            f"tables is {projection.tables!r}.",
            f'use tables = ("{_LW_TABLE}",): reset and rebuild empty exactly these tables.',
        )
    expected_table: dict[UUID, int] | None = None
    owners: dict[UUID, str] = {}
    for batch in _LW_BATCH_SIZES:
        store, expected_table, owners = _lw_history()
        try:
            try:
                projector = Projector(store, [projection], batch_size=batch, clock=StepClock())
                projector.run()
                got = _lw_table(store)
            except NotImplementedError:
                return _failed(
                    "create or apply still raises NotImplementedError.",
                    "create: CREATE TABLE IF NOT EXISTS largest_withdrawals (aggregate_id UUID "
                    "PRIMARY KEY, amount BIGINT NOT NULL); apply: one INSERT … SELECT from "
                    "{source}.",
                )
            except duckdb.ConstraintException as exc:
                return _failed(
                    f"with batches of {batch} event(s), a later batch failed: {exc}",
                    "a second batch meets accounts already in the table: add ON CONFLICT "
                    "(aggregate_id) DO UPDATE SET amount = greatest(largest_withdrawals.amount, "
                    "excluded.amount).",
                )
            except duckdb.CatalogException as exc:
                return _failed(
                    f"a table or column was not found: {exc}",
                    f"create must make the table {_LW_TABLE}(aggregate_id UUID PRIMARY KEY, "
                    "amount BIGINT NOT NULL), and apply reads the batch relation "
                    "named by source (use an f-string: FROM {source}).",
                )
            except Exception as exc:
                return _failed(
                    f"with batches of {batch} event(s), the projector raised "
                    f"{type(exc).__name__}: {exc}",
                    "apply runs SQL on conn over the relation named by source; the columns "
                    "are position, aggregate_id, version, recorded_at, event_type, owner, "
                    "change, closes.",
                )
            if got != expected_table:
                return _failed(
                    f"with batches of {batch} event(s) the table holds "
                    f"{_lw_show(got, owners)}, expected {_lw_show(expected_table, owners)} "
                    "(cents).",
                    _lw_diagnose(got, expected_table, store, batch == _LW_BATCH_SIZES[0]),
                )
            if batch == _LW_BATCH_SIZES[-1]:
                try:
                    projector.rebuild(projection.name)
                    rebuilt = _lw_table(store)
                    projector.rebuild_set_based(projection.name)
                    set_based = _lw_table(store)
                except Exception as exc:
                    return _failed(
                        f"rebuilding raised {type(exc).__name__}: {exc}",
                        "a rebuild empties tables and replays the log through the same "
                        "apply; use only the batch columns, and CAST(aggregate_id AS UUID).",
                    )
                for how, table in (("rebuild", rebuilt), ("rebuild_set_based", set_based)):
                    if table != expected_table:
                        return _failed(
                            f"after {how} the table holds {_lw_show(table, owners)}, "
                            f"expected {_lw_show(expected_table, owners)}.",
                            "the projection must depend only on the events: no state "
                            "outside its table, nothing from the clock.",
                        )
        finally:
            store.close()
    assert expected_table is not None
    return _passed(
        f"the largest withdrawal per account is right with batches of "
        f"{', '.join(map(str, sorted(_LW_BATCH_SIZES)))} events, and rebuild and rebuild_set_based "
        f"give the same table: {_lw_show(expected_table, owners)} (Cy never withdrew, so "
        "no row)."
    )


# -- notebook 07, exercise 1: lag metrics from the log and a checkpoint -------------------------
def check_lag_metrics(lag_metrics: Callable[..., Any] | None) -> bool:
    """Notebook 07, exercise 1: ``lag_metrics(log, checkpoint, now, threshold)``.

    Returns ``(events_behind, seconds_behind, healthy)``: head − checkpoint, the age at ``now``
    of the oldest unapplied event (0.0 when caught up), and ``events_behind <= threshold``.
    Compared on scripted cases, then with ``Projector.lag`` on a real store.
    """
    from datetime import UTC, datetime, timedelta

    from esbank.app.bank import Bank
    from esbank.app.projections import Projector
    from esbank.app.read_models import standard_projections

    if not callable(lag_metrics):
        return _not_callable("lag_metrics", lag_metrics, "exercise")
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def at(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    log = [(1, at(0)), (2, at(10)), (3, at(25)), (4, at(40))]
    cases: list[tuple[list[tuple[int, datetime]], int, datetime, int, tuple[int, float, bool], str]]
    cases = [
        (log, 1, at(60), 5, (3, 50.0, True),
         "seconds behind is the age of the OLDEST event not yet applied (position "
         "checkpoint + 1, recorded at 10 s), not of the newest one: 60 − 10 = 50."),
        (log, 4, at(60), 5, (0, 0.0, True),
         "a projection that has applied everything is 0 events and 0.0 seconds behind, "
         "however old the last event is."),
        (log, 0, at(45), 3, (4, 45.0, False),
         "events behind is head − checkpoint (4 − 0 = 4), and healthy means "
         "events_behind <= threshold (4 > 3: not healthy)."),
        (log, 1, at(60), 3, (3, 50.0, True),
         "exactly at the threshold is still healthy: compare with <=, not <."),
        ([], 0, at(5), 1, (0, 0.0, True),
         "an empty log has head 0: nothing to apply, 0 behind (use max(..., default=0))."),
        ([(3, at(25)), (1, at(0)), (2, at(10))], 1, at(30), 10, (2, 20.0, True),
         "do not assume the log is sorted: the head is the largest position, and the oldest "
         "unapplied event is the earliest recorded_at among positions > checkpoint."),
    ]  # fmt: skip
    for log_, checkpoint, now, threshold, expected, hint in cases:
        call = (
            f"lag_metrics(<{len(log_)} events>, checkpoint={checkpoint}, now=t0+"
            f"{(now - t0).total_seconds():g}s, threshold={threshold})"
        )
        try:
            got = lag_metrics(list(log_), checkpoint, now, threshold)
        except NotImplementedError:
            return _failed(
                "lag_metrics still raises NotImplementedError.",
                "replace the raise: return (head − checkpoint, age of the oldest unapplied "
                "event in seconds, events_behind <= threshold).",
            )
        except Exception as exc:
            return _failed(f"{call} raised {type(exc).__name__}: {exc}", hint)
        if not isinstance(got, tuple) or len(got) != 3:
            return _failed(
                f"{call} returned {got!r}.",
                "return a tuple of three: (events_behind, seconds_behind, healthy).",
            )
        behind, seconds, healthy = got
        if (
            isinstance(behind, bool)
            or not isinstance(behind, int)
            or isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not isinstance(healthy, bool)
        ):
            return _failed(
                f"{call} returned {got!r}.",
                "events_behind is an int, seconds_behind a float (timedelta.total_seconds()), "
                "healthy a bool.",
            )
        if (behind, round(float(seconds), 6), healthy) != expected:
            return _failed(f"{call} returned {got!r}, expected {expected!r}.", hint)
    # The same numbers as the real Projector, on a real store.
    store = DuckDBEventStore(":memory:", clock=StepClock(t0), new_id=SequentialIds(prefix=0xE))
    try:
        bank = Bank(store, new_id=SequentialIds(prefix=0xA))
        account = bank.open_account("Ada", 1_000).aggregate_id
        for amount in (100, 200, 300, 400, 500):
            bank.handle(DepositMoney(account, amount))
        projector = Projector(
            store, standard_projections(), batch_size=2, lag_threshold=3, clock=StepClock(t0)
        )
        projector.step()
        real = projector.lag("balances", now=at(600))
        log_ = [(r.position, r.recorded_at) for r in store.read_all()]
        try:
            got = lag_metrics(log_, real.checkpoint, at(600), 3)
        except Exception as exc:
            return _failed(
                f"on a real store's log, lag_metrics raised {type(exc).__name__}: {exc}",
                "log holds (position, recorded_at) pairs with timezone-aware datetimes.",
            )
        want = (real.events_behind, real.seconds_behind, real.healthy)
        if tuple(got) != want:
            return _failed(
                f"on a real store (checkpoint {real.checkpoint}, head {real.head}) lag_metrics "
                f"returned {got!r}; Projector.lag says {want!r}.",
                "seconds behind is measured from the oldest unapplied event's recorded_at.",
            )
    finally:
        store.close()
    return _passed(
        f"lag_metrics agrees on {len(cases)} scripted cases and with Projector.lag on a real "
        f"store: {real.events_behind} events and {real.seconds_behind:g} s behind, "
        f"{real.status} against a threshold of {real.threshold_events}."
    )


# -- notebook 08: the interview quiz as a self-check -----------------------------------------
def check_quiz_answers(answers: Any) -> bool:
    """Notebook 08's self-check: grade ``answers`` (question key -> option number, from 0)."""
    from esbank.domain.errors import InvalidArgument
    from esbank.teach.quiz import QUESTIONS, score

    if not isinstance(answers, dict) or not answers:
        return _failed(
            "no answers yet.",
            "fill my_answers with question key -> option number (0 is the first option), "
            'e.g. {"q1-cqrs-without-es": 0}, using the keys printed by quiz_text.',
        )
    try:
        result = score(QUESTIONS, answers)
    except InvalidArgument as exc:
        return _failed(str(exc), "use the keys and option numbers printed by quiz_text.")
    if result.wrong:
        listed = "; ".join(f"{f.question} (read {f.notebook})" for f in result.wrong)
        return _failed(
            f"{result.right} of {len(result.feedback)} answers right; not yet: {listed}.",
            "grade one of them with grade(question, choice) to see why, or reread the notebook.",
        )
    if result.unanswered:
        return _failed(
            f"all {result.right} answers right, {len(result.unanswered)} question(s) to go: "
            f"{', '.join(result.unanswered)}.",
            "answer the rest the same way.",
        )
    return _passed(f"all {result.total} questions answered right.")
