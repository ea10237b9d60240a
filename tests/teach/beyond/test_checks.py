"""Notebook 11's check passes the solution and other right shapes, and names the usual
wrong keys (amount, position, account), no memory, a global memory and counted withdrawals."""

from __future__ import annotations

from typing import Any

import pytest

from esbank.teach.beyond.checks import check_idempotent_consumer, deliveries
from teach.exercises import fails, not_implemented, passes
from teach.exercises import solution as solution_of


def solution() -> Any:
    return solution_of("11_exercise_1.py", "receive")


def count(event: Any, totals: dict[Any, int]) -> None:
    if event.event_type == "MoneyDeposited":
        totals[event.aggregate_id] = totals.get(event.aggregate_id, 0) + event.event.amount


def keyed_by(key: Any, *, deposits_only: bool = False) -> Any:
    def receive(event: Any, seen: set[Any], totals: dict[Any, int]) -> None:
        if deposits_only and event.event_type != "MoneyDeposited":
            return
        if key(event) in seen:
            return
        seen.add(key(event))
        count(event, totals)

    return receive


def test_the_deliveries_hold_repeats_and_colliding_positions() -> None:
    events = deliveries()
    assert len(events) - len({e.event_id for e in events}) == 5
    north_south = {(e.position, e.event_id) for e in events}
    assert len({p for p, _ in north_south}) < len({i for _, i in north_south})


def test_check_passes_the_solution(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(check_idempotent_consumer, capsys, solution())
    assert "5 of them repeats" in out and "Ann: 103.00" in out


@pytest.mark.parametrize(
    "right",
    [
        keyed_by(lambda e: str(e.event_id)),
        keyed_by(lambda e: e.event_id.int, deposits_only=True),
        keyed_by(lambda e: (e.aggregate_id, e.version)),  # the stream's own key: unique too
    ],
    ids=["str id", "int id, deposits only", "stream and version"],
)
def test_check_passes_other_right_shapes(right: Any, capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_idempotent_consumer, capsys, right)


def length_check(event: Any, seen: set[Any], totals: dict[Any, int]) -> None:
    before = len(seen)
    seen.add(event.event_id)
    if len(seen) > before:
        count(event, totals)


def test_check_passes_a_set_length_shape(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_idempotent_consumer, capsys, length_check)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (keyed_by(lambda e: e.event.amount, deposits_only=True), "same amount"),
        (keyed_by(lambda e: e.position), "unique in one log only"),
        (keyed_by(lambda e: e.position, deposits_only=True), "unique in one log only"),
        (keyed_by(lambda e: e.aggregate_id, deposits_only=True), "first deposit"),
        (lambda e, seen, totals: count(e, totals), "counted again"),
    ],
    ids=["amount", "position", "deposit position", "account", "no memory"],
)
def test_check_names_the_wrong_key(
    wrong: Any, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hint in fails(check_idempotent_consumer, capsys, wrong)


def test_check_names_a_global_memory(capsys: pytest.CaptureFixture[str]) -> None:
    memory: set[Any] = set()

    def receive(event: Any, seen: set[Any], totals: dict[Any, int]) -> None:
        if event.event_id not in memory:
            memory.add(event.event_id)
            count(event, totals)

    assert "not in a variable outside" in fails(check_idempotent_consumer, capsys, receive)


def test_check_names_withdrawals_added_and_an_amount_read_from_every_event(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def with_withdrawals(event: Any, seen: set[Any], totals: dict[Any, int]) -> None:
        if event.event_id in seen or not hasattr(event.event, "amount"):
            return
        seen.add(event.event_id)
        totals[event.aggregate_id] = totals.get(event.aggregate_id, 0) + event.event.amount

    def every_amount(event: Any, seen: set[Any], totals: dict[Any, int]) -> None:
        totals[event.aggregate_id] = totals.get(event.aggregate_id, 0) + event.event.amount

    assert "withdrawals were added" in fails(check_idempotent_consumer, capsys, with_withdrawals)
    assert "event.event_type" in fails(check_idempotent_consumer, capsys, every_amount)


def test_check_names_an_id_added_before_it_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    def add_first(event: Any, seen: set[Any], totals: dict[Any, int]) -> None:
        seen.add(event.event_id)
        if event.event_id in seen:
            return
        count(event, totals)

    assert "nothing was counted" in fails(check_idempotent_consumer, capsys, add_first)


def test_check_handles_a_missing_answer_and_a_stub(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not defined yet" in fails(check_idempotent_consumer, capsys, None)
    assert "NotImplementedError" in fails(check_idempotent_consumer, capsys, not_implemented)
    assert "must be a function" in fails(check_idempotent_consumer, capsys, 42)
