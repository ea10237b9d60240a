"""The exercise check of notebook 11: an idempotent consumer.

Two branches of a bank each keep their own log and relay it to one broker at least once (a
real ``Subscription``; the relays die twice, so some batches come again). The answer,
``receive(event, seen, totals)``, must add each deposit to its account's total exactly once,
however often it is delivered, remembering what it has seen in ``seen``. A wrong total is
matched against what the usual mistakes would give (remembering amounts, positions or
accounts instead of event ids; remembering nothing; counting withdrawals), for the hint.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import timedelta
from functools import cache
from typing import Any
from uuid import UUID

from esbank.app.bank import Bank
from esbank.app.subscriptions import Subscription
from esbank.domain.commands import Command, DepositMoney, OpenAccount, WithdrawMoney
from esbank.domain.money import format_cents
from esbank.eventstore.types import RecordedEvent
from esbank.teach.beyond.outside import Crash
from esbank.teach.determinism import SequentialIds, StepClock, memory_store
from esbank.teach.grading import Mistake, call, first_mistake, passed

ANN, BEN, CAT, DAN = (UUID(int=0xA1), UUID(int=0xB1), UUID(int=0xC2), UUID(int=0xD2))
OWNERS = {ANN: "Ann", BEN: "Ben", CAT: "Cat", DAN: "Dan"}
BRANCHES: dict[str, list[Command]] = {
    "north": [
        OpenAccount(ANN, "Ann", 0),
        OpenAccount(BEN, "Ben", 0),
        DepositMoney(ANN, 5_000),
        DepositMoney(BEN, 5_000),
        DepositMoney(ANN, 5_000),
        WithdrawMoney(ANN, 2_000),
        DepositMoney(BEN, 1_250),
        DepositMoney(ANN, 300),
    ],
    "south": [
        OpenAccount(CAT, "Cat", 0),
        OpenAccount(DAN, "Dan", 1_000),
        DepositMoney(CAT, 5_000),
        DepositMoney(DAN, 300),
        WithdrawMoney(DAN, 500),
        DepositMoney(CAT, 5_000),
        DepositMoney(DAN, 750),
    ],
}
CRASH_AFTER = {"north": (5,), "south": (4, 6)}
"""The relay of each branch dies right after handing over these messages (counted from 1)."""
Totals = dict[UUID, int]
Key = Callable[[RecordedEvent], Hashable]


def _relay(name: str, prefix: int) -> list[RecordedEvent]:
    """Every message a branch's relay hands over, at least once, repeats included."""
    store = memory_store(prefix)
    bank = Bank(store, new_id=SequentialIds(prefix=prefix))
    for command in BRANCHES[name]:
        bank.handle(command)
    sent: list[RecordedEvent] = []

    def hand_over(events: list[RecordedEvent]) -> None:
        for event in events:
            sent.append(event)
            if len(sent) in CRASH_AFTER[name]:
                raise Crash(f"the {name} relay died after message {len(sent)}")

    clock = StepClock(step=timedelta(seconds=1))
    while True:  # a crash: a new relay process starts from the checkpoint
        relay = Subscription(store, "broker", batch_size=3, owner=name, clock=clock)
        try:
            relay.run(hand_over)
        except Crash:
            continue
        store.close()
        return sent


@cache
def deliveries() -> tuple[RecordedEvent, ...]:
    """What the broker hands the consumer: both branches' messages, three by three in turn."""
    north, south = _relay("north", 0x11A), _relay("south", 0x11B)
    merged: list[RecordedEvent] = []
    for i in range(0, max(len(north), len(south)), 3):
        merged += north[i : i + 3] + south[i : i + 3]
    return tuple(merged)


def _simulate(events: Sequence[RecordedEvent], key: Key | None, *, filter_first: bool) -> Totals:
    """What a consumer that remembers ``key`` (None: nothing) would count."""
    seen: set[Hashable] = set()
    totals: Totals = {}
    for e in events:
        deposit = e.event_type == "MoneyDeposited"
        if filter_first and not deposit:
            continue
        if key is not None:
            if key(e) in seen:
                continue
            seen.add(key(e))
        if deposit:
            totals[e.aggregate_id] = totals.get(e.aggregate_id, 0) + e.event.amount  # type: ignore[union-attr]
    return totals


def _with_withdrawals(events: Sequence[RecordedEvent]) -> Totals:
    """What a consumer that adds every amount, withdrawals too, would count (once each)."""
    totals: Totals = {}
    for e in {e.event_id: e for e in events}.values():
        amount = getattr(e.event, "amount", None)
        if amount is not None:
            totals[e.aggregate_id] = totals.get(e.aggregate_id, 0) + amount
    return totals


def _show(totals: object) -> str:
    """Totals as ``{Ann: 103.00, …}``, in the accounts' order; anything else as it is."""
    if not isinstance(totals, dict):
        return repr(totals)
    order = [a for a in OWNERS if a in totals] + [a for a in totals if a not in OWNERS]
    return "{" + ", ".join(f"{OWNERS.get(a, a)}: {_cents(totals[a])}" for a in order) + "}"


def _cents(value: object) -> str:
    return format_cents(value) if isinstance(value, int) else repr(value)


def _hint(got: Totals, events: Sequence[RecordedEvent]) -> str:
    """The likely mistake behind a wrong ``got``."""
    if not got:
        return (
            "nothing was counted: check whether event.event_id is in seen first, and only "
            "then add it (adding it first makes every event look seen)."
        )
    mistakes: list[tuple[Key | None, str]] = [
        (None, "a redelivered event was counted again: remember each event.event_id in seen "
               "and skip an event whose id is already there."),
        (lambda e: getattr(e.event, "amount", None),
         "two different deposits of the same amount (Ann's two 50.00) were counted once: an "
         "amount says how much, not which event. Remember event.event_id."),
        (lambda e: e.position,
         "positions are unique in one log only: the broker carries two branches' logs, and "
         "position 3 of north is not position 3 of south. Remember event.event_id, unique "
         "everywhere."),
        (lambda e: e.aggregate_id,
         "only each account's first deposit counted: the account says whose money, not which "
         "event. Remember event.event_id."),
    ]  # fmt: skip
    for key, hint in mistakes:
        if any(got == _simulate(events, key, filter_first=f) for f in (True, False)):
            return hint
    if got == _with_withdrawals(events):
        return "withdrawals were added too: count only events whose event_type is MoneyDeposited."
    return (
        "skip an event whose event_id is in seen; otherwise add the id to seen and, for a "
        "MoneyDeposited, add event.event.amount to totals[event.aggregate_id]."
    )


def _consume(receive: Callable[..., Any], events: Sequence[RecordedEvent]) -> tuple[Any, Any]:
    """Run ``receive`` over ``events`` with a fresh memory; the totals, or what it raised."""
    seen: set[Any] = set()
    totals: Totals = {}
    for event in events:
        _, error = call(receive, event, seen, totals)
        if error is not None:
            return None, error
    return totals, None


def _mistake(receive: Callable[..., Any]) -> Mistake | None:
    """What is wrong with ``receive``, or None."""
    events = deliveries()
    expected = _simulate(events, lambda e: e.event_id, filter_first=False)
    got, error = _consume(receive, events)
    if error is not None:
        return (
            f"receive raised {type(error).__name__}: {error}",
            "not every event is a deposit (openings and withdrawals arrive too): look at "
            "event.event_type before reading event.event.amount.",
        )
    if not isinstance(got, dict) or got != expected:
        return (
            f"the totals are {_show(got)}, expected {_show(expected)}.",
            _hint(got if isinstance(got, dict) else {}, events),
        )
    again, _ = _consume(receive, events)
    if again != expected:
        return (
            f"run again with a fresh, empty seen, receive counted {_show(again)}.",
            "keep the consumer's memory in seen, the set it is given, not in a variable "
            "outside the function: each consumer (each inbox) has its own.",
        )
    return None


def check_idempotent_consumer(receive: Any) -> bool:
    """Notebook 11, exercise 1: ``receive(event, seen, totals)`` counts each deposit once
    however often the broker delivers it, with two branches' logs on one broker."""
    outcome = first_mistake(
        "receive",
        receive,
        _mistake,
        stub_hint="skip the event if event.event_id is in seen; else add it to seen and count "
        "a MoneyDeposited's amount in totals[event.aggregate_id].",
    )
    if outcome is not None:
        return outcome
    events = deliveries()
    repeats = len(events) - len({e.event_id for e in events})
    expected = _simulate(events, lambda e: e.event_id, filter_first=False)
    return passed(
        f"{len(events)} deliveries from two branches, {repeats} of them repeats after the "
        f"relays crashed: every deposit counted once, {_show(expected)}."
    )
