"""Exercise checks. Each ``check_…(answer)`` prints ✅ or ❌ with a hint and returns a bool.

A check never raises because of the answer: an undefined answer (``None``), a stub that
still raises ``NotImplementedError`` or a wrong result all print a ❌ line and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from esbank.domain.commands import DepositMoney
from esbank.domain.events import (
    Event,
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
