"""The status-code check of notebook 10 passes the solution and rejects the usual mistakes,
the reference note's two HTTP bugs among them."""

from __future__ import annotations

from typing import Any

import pytest

from esbank import AccountNotOpen, CorruptEvent, DuplicateEventId, InvalidCommand, StoreError
from esbank.teach.http import checks
from teach.exercises import fails, not_implemented, passes, solution

SOLUTION = solution("10_exercise_1.py", "status_for")


def test_the_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(checks.check_status_for, capsys, SOLUTION)
    assert "13 errors" in out


def test_every_case_agrees_with_the_api() -> None:
    for error, _hint in checks.CASES:
        assert SOLUTION(error) == checks.expected_status(error)


def rust_handler(error: Exception) -> int:
    return 200  # Result<Json, String>: every Err goes out as 200 OK


def go_handler(error: Exception) -> int:
    if isinstance(error, InvalidCommand):
        return 400
    return 409 if isinstance(error, StoreError) else SOLUTION(error)


def store_before_duplicate(error: Exception) -> int:
    return 503 if isinstance(error, StoreError) else SOLUTION(error)


def rules_before_not_open(error: Exception) -> int:
    from esbank import DomainError

    if isinstance(error, DomainError) and not isinstance(error, InvalidCommand):
        return 422
    return int(SOLUTION(error))


def corrupt_is_unavailable(error: Exception) -> int:
    return 503 if isinstance(error, CorruptEvent) else SOLUTION(error)


def as_text(error: Exception) -> Any:
    return str(SOLUTION(error))


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (rust_handler, "Rust handler"),
        (go_handler, "Go handler"),
        (store_before_duplicate, "before StoreError"),
        (rules_before_not_open, "404"),
        (corrupt_is_unavailable, "500, not 503"),
        (as_text, "as an int"),
    ],
)
def test_wrong_answers_are_rejected_with_their_hint(
    capsys: pytest.CaptureFixture[str], answer: Any, says: str
) -> None:
    assert says in fails(checks.check_status_for, capsys, answer)


def test_stubs_and_missing_answers_are_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    assert "NotImplementedError" in fails(checks.check_status_for, capsys, not_implemented)
    assert "not defined" in fails(checks.check_status_for, capsys, None)

    def raises(error: Exception) -> int:
        raise KeyError(type(error).__name__)

    assert "raised KeyError" in fails(checks.check_status_for, capsys, raises)


def test_the_cases_cover_each_status() -> None:
    codes = {checks.expected_status(e) for e, _ in checks.CASES}
    assert codes == {400, 404, 409, 422, 500, 503}
    kinds = {type(e) for e, _ in checks.CASES}
    assert {AccountNotOpen, DuplicateEventId, CorruptEvent} <= kinds
