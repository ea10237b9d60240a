"""Notebook 02's retry check passes the solution (and Bank.handle) and rejects wrong loops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from esbank import ANY, Bank, ConcurrencyConflict, DomainError, decide, replay
from esbank.teach.concurrency.checks import check_handle_with_retry
from teach.exercises import fails, not_implemented, passes, solution


# -- the check of notebook 02's exercise -----------------------------------------------------
def _load(store: Any, command: Any) -> Any:
    recorded = store.read_stream(command.account_id)
    return replay((r.event for r in recorded), account_id=command.account_id)


def no_retry(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    return store.append(command.account_id, decide(command, state), expected_version=state.version)


def retry_without_reload(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    events = decide(command, state)
    for attempt in range(max_retries + 1):
        try:
            return store.append(command.account_id, events, expected_version=state.version)
        except ConcurrencyConflict:
            if attempt == max_retries:
                raise
    return None


def blind_append(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    return store.append(command.account_id, decide(command, state), expected_version=ANY)


def retries_forever(store: Any, command: Any, max_retries: int = 3) -> Any:
    while True:
        state = _load(store, command)
        try:
            return store.append(
                command.account_id, decide(command, state), expected_version=state.version
            )
        except ConcurrencyConflict:
            continue


def swallows_refusals(store: Any, command: Any, max_retries: int = 3) -> Any:
    for attempt in range(max_retries + 1):
        state = _load(store, command)
        try:
            events = decide(command, state)
        except DomainError:
            return None
        try:
            return store.append(command.account_id, events, expected_version=state.version)
        except ConcurrencyConflict:
            if attempt == max_retries:
                raise
    return None


def stale_and_endless(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    events = decide(command, state)
    while True:
        try:
            return store.append(command.account_id, events, expected_version=state.version)
        except Exception:
            continue


def retries_every_exception(store: Any, command: Any, max_retries: int = 3) -> Any:
    """Catches every Exception, so a rule's refusal is retried like a conflict."""
    for attempt in range(max_retries + 1):
        try:
            state = _load(store, command)
            events = decide(command, state)
            return store.append(command.account_id, events, expected_version=state.version)
        except Exception:
            if attempt == max_retries:
                raise
    return None


def recursive_retry(store: Any, command: Any, max_retries: int = 3) -> Any:
    """A right answer in another shape: recursion instead of a loop."""
    state = _load(store, command)
    events = decide(command, state)
    try:
        return store.append(command.account_id, events, expected_version=state.version)
    except ConcurrencyConflict:
        if max_retries == 0:
            raise
        return recursive_retry(store, command, max_retries - 1)


def one_retry_too_many(store: Any, command: Any, max_retries: int = 3) -> Any:
    return Bank(store, max_retries=max_retries + 1).handle(command)


def test_retry_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(check_handle_with_retry, capsys, solution("02_exercise_1.py", "handle_with_retry"))
    assert out.startswith("✅ handle_with_retry handles all 6 cases")


def test_a_recursive_retry_is_right_too(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_handle_with_retry, capsys, recursive_retry)


def test_bank_handle_is_a_correct_retry_loop_too(capsys: pytest.CaptureFixture[str]) -> None:
    def with_bank(store: Any, command: Any, max_retries: int = 3) -> Any:
        return Bank(store, max_retries=max_retries).handle(command)

    passes(check_handle_with_retry, capsys, with_bank)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (None, "not defined yet"),
        (42, "must be a function"),
        (not_implemented, "still raises NotImplementedError"),
        (no_retry, "let the first ConcurrencyConflict escape"),
        (retry_without_reload, "same expected_version 1 twice"),
        (blind_append, "expected_version=ANY, which turns the concurrency check off"),
        (retries_forever, "with max_retries=2 it should make 3 append(s)"),
        (swallows_refusals, "it should raise InsufficientFunds"),
        (stale_and_endless, "appended more than 50 times"),
        (one_retry_too_many, "made 4 append(s); 3 were needed"),
        (retries_every_exception, "catch only ConcurrencyConflict (not every Exception)"),
    ],
)
def test_retry_check_rejects_wrong_answers(
    answer: Callable[..., Any] | None, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hint in fails(check_handle_with_retry, capsys, answer)


def test_retry_check_survives_an_answer_that_raises_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(store: Any, command: Any, max_retries: int = 3) -> Any:
        raise KeyError("oops")

    assert check_handle_with_retry(broken) is False
    assert "raised KeyError" in capsys.readouterr().out


def test_retry_check_leaves_a_rival_write_visible_to_the_answer() -> None:
    """The rival writes inside the answer's first append, before the real append runs."""
    seen: list[int] = []

    def spy(store: Any, command: Any, max_retries: int = 3) -> Any:
        for _ in range(max_retries + 1):
            state = _load(store, command)
            seen.append(state.version)
            try:
                return store.append(
                    command.account_id, decide(command, state), expected_version=state.version
                )
            except ConcurrencyConflict:
                continue
        raise ConcurrencyConflict(command.account_id, seen[-1], seen[-1] + 1)

    check_handle_with_retry(spy)
    assert seen[:3] == [1, 1, 2]  # case 1: one load; case 2: the reload sees the rival's event
