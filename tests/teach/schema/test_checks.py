"""Notebook 05's check passes the solution (and other right shapes) and names wrong upcasters."""

from __future__ import annotations

from typing import Any

import pytest

from esbank import REGISTRY
from esbank.teach.schema.checks import check_deposited_v2_to_v3
from teach.exercises import fails as check_fails
from teach.exercises import passes as check_passes
from teach.exercises import solution


def passes(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    out = check_passes(check_deposited_v2_to_v3, capsys, answer)
    assert "❌" not in out
    return out


def fails(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    return check_fails(check_deposited_v2_to_v3, capsys, answer)


def test_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(solution("05_exercise_1.py", "deposited_v2_to_v3"), capsys)
    assert "reads v1, v2 and v3 deposits" in out
    assert "CorruptEvent" not in out or "position" in out


def test_a_rename_that_only_lets_a_key_error_escape_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The task asks for a ValueError naming the missing field; a KeyError is an accident."""

    def rename(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"]}

    out = fails(rename, capsys)
    assert "raised KeyError" in out and "ValueError" in out


def test_a_rename_with_its_own_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    def rename(payload: dict[str, Any]) -> dict[str, Any]:
        if "amount_cents" not in payload:
            raise ValueError(f"no amount_cents in {sorted(payload)}")
        return {("amount" if k == "amount_cents" else k): v for k, v in payload.items()}

    passes(rename, capsys)


def test_the_real_upcaster_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(REGISTRY.upcasters[("MoneyDeposited", 2)], capsys)


def test_missing_and_stub_answers_fail(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not defined yet" in fails(None, capsys)
    assert "must be a function" in fails(42, capsys)

    def stub(payload: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError("write me")

    assert "NotImplementedError" in fails(stub, capsys)


def test_an_answer_that_mutates_its_input_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def in_place(payload: dict[str, Any]) -> dict[str, Any]:
        payload["amount"] = payload.pop("amount_cents")
        return payload

    out = fails(in_place, capsys)
    assert "changed its input" in out and "never modify" in out


def test_an_answer_that_drops_unknown_fields_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def only_amount(payload: dict[str, Any]) -> dict[str, Any]:
        return {"amount": payload["amount_cents"]}

    out = fails(only_amount, capsys)
    assert "dropped 'channel'" in out and "weak schema" in out


def test_an_answer_that_keeps_the_old_key_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def both(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "amount": payload["amount_cents"]}

    out = fails(both, capsys)
    assert "still has amount_cents" in out and "removes the old name" in out


def test_an_answer_that_guesses_a_missing_amount_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def guess(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload.get("amount_cents", 0)}

    out = fails(guess, capsys)
    assert "no amount_cents" in out and "raise ValueError" in out


def test_wrong_values_and_types_fail(capsys: pytest.CaptureFixture[str]) -> None:
    def in_euros(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"] / 100}

    assert "expected {'amount': 2510}" in fails(in_euros, capsys)
    assert "NoneType" in fails(lambda payload: None, capsys)

    def crashes(payload: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    assert "raised RuntimeError: boom" in fails(crashes, capsys)


def test_an_answer_that_only_breaks_inside_the_store_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Right on the hand-made payloads, wrong on a v1 row that went through step one."""

    calls: list[dict[str, Any]] = []

    def brittle(payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(payload)
        if len(calls) > 4:  # the hand-made cases are over: now the store is reading
            return {"amount": 1}
        if "amount_cents" not in payload:
            raise ValueError("no amount_cents")
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"]}

    out = fails(brittle, capsys)
    assert "was read as MoneyDeposited(amount=1)" in out


def test_the_check_never_raises_on_a_hostile_answer(capsys: pytest.CaptureFixture[str]) -> None:
    def not_a_dict(payload: dict[str, Any]) -> Any:
        return [("amount", payload.get("amount_cents"))]

    fails(not_a_dict, capsys)


def test_the_check_gives_a_mutated_case_no_chance_to_leak() -> None:
    """A mutating answer must not change the check's own cases for the next run."""

    def in_place(payload: dict[str, Any]) -> dict[str, Any]:
        payload.clear()
        return {"amount": 1}

    check_deposited_v2_to_v3(in_place)
    assert check_deposited_v2_to_v3(solution("05_exercise_1.py", "deposited_v2_to_v3")) is True
