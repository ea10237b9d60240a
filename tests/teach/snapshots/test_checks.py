"""Notebook 04's check passes the solution (and another right shape) and names wrong answers."""

from __future__ import annotations

from typing import Any

import pytest

from esbank.teach.snapshots.checks import check_snapshot_due
from teach.exercises import fails as check_fails
from teach.exercises import passes as check_passes
from teach.exercises import solution


def passes(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    return check_passes(check_snapshot_due, capsys, answer)


def fails(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    return check_fails(check_snapshot_due, capsys, answer)


def test_snapshot_due_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(solution("04_exercise_1.py", "snapshot_due"), capsys)
    assert "[7, 10, 17]" in out


def due_by_counting(before: int, after: int, every: int | None) -> bool:
    """Another right shape: count the multiples up to each version."""
    if not every:
        return False
    multiples = sum(1 for v in range(before + 1, after + 1) if v % every == 0)
    return multiples > 0


def test_snapshot_due_other_right_shape_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(due_by_counting, capsys)


def test_landing_on_a_multiple_is_not_enough(capsys: pytest.CaptureFixture[str]) -> None:
    out = fails(lambda before, after, every: every is not None and after % every == 0, capsys)
    assert "snapshot_due(4, 7, 5) returned False" in out
    assert "jumping past 5" in out


def test_starting_on_a_multiple_is_not_a_crossing(capsys: pytest.CaptureFixture[str]) -> None:
    def any_multiple(before: int, after: int, every: int | None) -> bool:
        return every is not None and any(v % every == 0 for v in range(before, after + 1))

    out = fails(any_multiple, capsys)
    assert "snapshot_due(5, 6, 5) returned True" in out


def test_no_interval_means_no_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    out = fails(lambda before, after, every: before // every < after // every, capsys)
    assert "every=None" in out


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, "not defined yet"),
        (5, "must be a function"),
        (lambda before, after, every: 1, "return True or False"),
    ],
)
def test_other_wrong_answers_get_a_hint(
    answer: Any, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert words in fails(answer, capsys)


def test_unsolved_stub_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    def stub(before: int, after: int, every: int | None) -> bool:
        raise NotImplementedError

    assert "still raises NotImplementedError" in fails(stub, capsys)
