"""Notebook 07's check passes the solution (and another right shape) and names wrong answers."""

from __future__ import annotations

from datetime import datetime

import pytest

from esbank.teach.lag.checks import check_lag_metrics
from teach.exercises import fails, passes, solution


def test_check_passes_the_solution(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_lag_metrics, capsys, solution("07_exercise_1.py", "lag_metrics"))


def sorted_walk(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    """Another right shape: one pass over the log sorted by position."""
    head, oldest = 0, None
    for position, recorded_at in sorted(log):
        head = position
        if position > checkpoint and (oldest is None or recorded_at < oldest):
            oldest = recorded_at
    behind = head - checkpoint
    seconds = (now - oldest).total_seconds() if oldest is not None else 0.0
    return behind, seconds, behind <= threshold


def test_check_passes_another_right_shape(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_lag_metrics, capsys, sorted_walk)


def _newest_age(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    head = max((p for p, _ in log), default=0)
    unapplied = [r for p, r in log if p > checkpoint]
    seconds = (now - max(unapplied)).total_seconds() if unapplied else 0.0
    return head - checkpoint, seconds, head - checkpoint <= threshold


def _strict(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    behind, seconds, _ = solution("07_exercise_1.py", "lag_metrics")(
        log, checkpoint, now, threshold
    )
    return behind, seconds, behind < threshold


def _wrapping_seconds(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    """``timedelta.seconds`` instead of ``total_seconds()``: wraps at one day."""
    head = max((p for p, _ in log), default=0)
    unapplied = [t for p, t in log if p > checkpoint]
    seconds = float((now - min(unapplied)).seconds) if unapplied else 0.0
    return head - checkpoint, seconds, head - checkpoint <= threshold


def _stub(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    raise NotImplementedError


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not defined yet"),
        (_stub, "NotImplementedError"),
        (_newest_age, "OLDEST"),
        (_strict, "<="),
        (_wrapping_seconds, "wraps at one day"),
        (lambda *args: 3, "tuple of three"),
    ],
)
def test_check_rejects_wrong_answers(
    answer: object, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fragment in fails(check_lag_metrics, capsys, answer)
