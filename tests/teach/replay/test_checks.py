"""Notebook 03's check passes the solution (and other right shapes) and names wrong answers."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from esbank import BankAccount, evolve
from esbank.teach.replay.checks import check_evolve_with_fees
from teach.exercises import SOLUTIONS
from teach.exercises import fails as check_fails
from teach.exercises import passes as check_passes


@dataclass(frozen=True)
class Fee:
    amount: int


def solution() -> tuple[Callable[..., Any], type]:
    names = runpy.run_path(str(SOLUTIONS / "03_exercise_1.py"))
    return names["evolve_with_fees"], names["FeeCharged"]


def passes(answer: Callable[..., Any], fee: Any, capsys: pytest.CaptureFixture[str]) -> str:
    return check_passes(check_evolve_with_fees, capsys, answer, fee)


def fails(answer: Any, fee: Any, capsys: pytest.CaptureFixture[str]) -> str:
    return check_fails(check_evolve_with_fees, capsys, answer, fee)


def test_the_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(*solution(), capsys)


def test_a_plain_answer_with_the_learners_own_class_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def evolve_with_fees(state: BankAccount, event: Any) -> BankAccount:
        if isinstance(event, Fee):
            return replace(state, balance=state.balance - event.amount, version=state.version + 1)
        return evolve(state, event)

    passes(evolve_with_fees, Fee, capsys)


def test_forgetting_version_plus_one_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    def no_version(state: BankAccount, event: Any) -> BankAccount:
        if isinstance(event, Fee):
            return replace(state, balance=state.balance - event.amount)
        return evolve(state, event)

    out = fails(no_version, Fee, capsys)
    assert "version did not move" in out
    assert "state.version + 1" in out


def test_mutating_the_state_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    def in_place(state: BankAccount, event: Any) -> BankAccount:
        if isinstance(event, Fee):
            state.balance -= event.amount  # type: ignore[misc]
            return state
        return evolve(state, event)

    def sneaky(state: BankAccount, event: Any) -> BankAccount:
        if isinstance(event, Fee):
            object.__setattr__(state, "balance", state.balance - event.amount)
            object.__setattr__(state, "version", state.version + 1)
            return state
        return evolve(state, event)

    assert "tried to change the state in place" in fails(in_place, Fee, capsys)
    assert "changed the state it was given" in fails(sneaky, Fee, capsys)


def test_adding_the_fee_or_dropping_other_events_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def adds(state: BankAccount, event: Any) -> BankAccount:
        if isinstance(event, Fee):
            return replace(state, balance=state.balance + event.amount, version=state.version + 1)
        return evolve(state, event)

    def fees_only(state: BankAccount, event: Any) -> BankAccount:
        if isinstance(event, Fee):
            return replace(state, balance=state.balance - event.amount, version=state.version + 1)
        return replace(state, version=state.version + 1)

    def others_unchanged(state: BankAccount, event: Any) -> BankAccount:
        if isinstance(event, Fee):
            return replace(state, balance=state.balance - event.amount, version=state.version + 1)
        return state

    assert "takes money out" in fails(adds, Fee, capsys)
    assert "hand every event that is not a FeeCharged to evolve" in fails(fees_only, Fee, capsys)
    # returning other events' state unchanged is the delegation's fault, not the version's
    out = fails(others_unchanged, Fee, capsys)
    assert "returned the state unchanged" in out and "evolve(state, event)" in out
    assert "version did not move" not in out


def test_impure_answers_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    calls = [0]

    def counting(state: BankAccount, event: Any) -> BankAccount:
        calls[0] += 1
        if isinstance(event, Fee):
            fee = event.amount + calls[0] % 2
            return replace(state, balance=state.balance - fee, version=state.version + 1)
        return evolve(state, event)

    assert "must be pure" in fails(counting, Fee, capsys)


def test_unsolved_or_missing_answers_print_a_hint_and_never_raise(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def stub(state: BankAccount, event: Any) -> BankAccount:
        raise NotImplementedError

    evolve_with_fees, fee_charged = solution()
    assert "still raises NotImplementedError" in fails(stub, Fee, capsys)
    assert "not defined yet" in fails(None, Fee, capsys)
    assert "FeeCharged is not defined" in fails(evolve_with_fees, None, capsys)
    assert "FeeCharged(250) does not work" in fails(evolve_with_fees, dict, capsys)
    assert "returned None" in fails(lambda state, event: None, fee_charged, capsys)
