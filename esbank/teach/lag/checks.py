"""The exercise check of notebook 07: lag metrics from the log and a checkpoint.

``lag_metrics(log, checkpoint, now, threshold)`` is compared on scripted cases (each naming the
usual mistake), then with ``Projector.lag`` on a real store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from esbank.app.bank import Bank
from esbank.app.projections import Lag, Projector
from esbank.app.read_models import standard_projections
from esbank.domain.arguments import is_int
from esbank.domain.commands import DepositMoney
from esbank.teach.determinism import SequentialIds, StepClock, memory_store
from esbank.teach.grading import Mistake, call, failed, first_mistake, passed

LagMetrics = Callable[..., Any]
Log = list[tuple[int, datetime]]

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``seconds`` after :data:`T0`."""
    return T0 + timedelta(seconds=seconds)


LOG: Log = [(1, at(0)), (2, at(10)), (3, at(25)), (4, at(40))]
CASES: list[tuple[Log, int, datetime, int, tuple[int, float, bool], str]] = [
    (LOG, 1, at(60), 5, (3, 50.0, True),
     "seconds behind is the age of the OLDEST event not yet applied (position "
     "checkpoint + 1, recorded at 10 s), not of the newest one: 60 − 10 = 50."),
    (LOG, 4, at(60), 5, (0, 0.0, True),
     "a projection that has applied everything is 0 events and 0.0 seconds behind, "
     "however old the last event is."),
    (LOG, 0, at(45), 3, (4, 45.0, False),
     "events behind is head − checkpoint (4 − 0 = 4), and healthy means "
     "events_behind <= threshold (4 > 3: not healthy)."),
    (LOG, 1, at(60), 3, (3, 50.0, True),
     "exactly at the threshold is still healthy: compare with <=, not <."),
    ([], 0, at(5), 1, (0, 0.0, True),
     "an empty log has head 0: nothing to apply, 0 behind (use max(..., default=0))."),
    ([(3, at(25)), (1, at(0)), (2, at(10))], 1, at(30), 10, (2, 20.0, True),
     "do not assume the log is sorted: the head is the largest position, and the oldest "
     "unapplied event is the earliest recorded_at among positions > checkpoint."),
    (LOG, 1, at(10 + 86_400 + 5), 5, (3, 86_405.0, True),
     "a projector stopped for more than a day: timedelta.seconds is only the seconds part "
     "(it wraps at one day); use (now - oldest).total_seconds()."),
]  # fmt: skip
"""(log, checkpoint, now, threshold, expected answer, the hint if the answer differs)."""


def _shape_mistake(shown: str, got: Any) -> Mistake | None:
    """Why ``got`` is not ``(events_behind: int, seconds_behind: float, healthy: bool)``."""
    if not isinstance(got, tuple) or len(got) != 3:
        return (
            f"{shown} returned {got!r}.",
            "return a tuple of three: (events_behind, seconds_behind, healthy).",
        )
    behind, seconds, healthy = got
    if (
        not is_int(behind)
        or isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not isinstance(healthy, bool)
    ):
        return (
            f"{shown} returned {got!r}.",
            "events_behind is an int, seconds_behind a float (timedelta.total_seconds()), "
            "healthy a bool.",
        )
    return None


def _case_mistake(lag_metrics: LagMetrics) -> Mistake | None:
    """The first scripted case the answer gets wrong, or None.

    ``NotImplementedError`` goes through: the caller says the answer is still a stub.
    """
    for log, checkpoint, now, threshold, expected, hint in CASES:
        shown = (
            f"lag_metrics(<{len(log)} events>, checkpoint={checkpoint}, now=t0+"
            f"{(now - T0).total_seconds():g}s, threshold={threshold})"
        )
        got, error = call(lag_metrics, list(log), checkpoint, now, threshold)
        if error is not None:
            return f"{shown} raised {type(error).__name__}: {error}", hint
        shape = _shape_mistake(shown, got)
        if shape is not None:
            return shape
        behind, seconds, healthy = got
        if (behind, round(float(seconds), 6), healthy) != expected:
            return f"{shown} returned {got!r}, expected {expected!r}.", hint
    return None


def _real_lag() -> tuple[Lag, Log]:
    """``Projector.lag`` of a real store's projection one batch in, and that store's log."""
    store = memory_store(clock=StepClock(T0))
    try:
        bank = Bank(store, new_id=SequentialIds(prefix=0xA))
        account = bank.open_account("Ada", 1_000).aggregate_id
        for amount in (100, 200, 300, 400, 500):
            bank.handle(DepositMoney(account, amount))
        projector = Projector(
            store, standard_projections(), batch_size=2, lag_threshold=3, clock=StepClock(T0)
        )
        projector.step()
        return projector.lag("balances", now=at(600)), [
            (r.position, r.recorded_at) for r in store.read_all()
        ]
    finally:
        store.close()


def _real_mistake(lag_metrics: LagMetrics, real: Lag, log: Log) -> Mistake | None:
    """Why the answer disagrees with ``Projector.lag`` on a real store's log, or None."""
    try:
        got = lag_metrics(log, real.checkpoint, at(600), 3)
    except Exception as exc:
        return (
            f"on a real store's log, lag_metrics raised {type(exc).__name__}: {exc}",
            "log holds (position, recorded_at) pairs with timezone-aware datetimes.",
        )
    want = (real.events_behind, real.seconds_behind, real.healthy)
    if tuple(got) != want:
        return (
            f"on a real store (checkpoint {real.checkpoint}, head {real.head}) lag_metrics "
            f"returned {got!r}; Projector.lag says {want!r}.",
            "seconds behind is measured from the oldest unapplied event's recorded_at.",
        )
    return None


def check_lag_metrics(lag_metrics: LagMetrics | None) -> bool:
    """Notebook 07, exercise 1: ``lag_metrics(log, checkpoint, now, threshold)``.

    Returns ``(events_behind, seconds_behind, healthy)``: head − checkpoint, the age at ``now``
    of the oldest unapplied event (0.0 when caught up), and ``events_behind <= threshold``.
    """
    wrong = first_mistake(
        "lag_metrics",
        lag_metrics,
        _case_mistake,
        stub_hint="replace the raise: return (head − checkpoint, age of the oldest unapplied "
        "event in seconds, events_behind <= threshold).",
    )
    if wrong is not None:
        return wrong
    real, log = _real_lag()
    mistake = _real_mistake(lag_metrics, real, log)
    if mistake is not None:
        return failed(*mistake)
    return passed(
        f"lag_metrics agrees on {len(CASES)} scripted cases and with Projector.lag on a real "
        f"store: {real.events_behind} events and {real.seconds_behind:g} s behind, "
        f"{real.status} against a threshold of {real.threshold_events}."
    )
