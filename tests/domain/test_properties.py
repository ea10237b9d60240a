"""Properties of the domain and of the whole write side, for any sequence of commands.

A tiny independent model (plain ints and flags) predicts which commands are accepted; the
domain must agree with it, refuse the rest without changing anything, and its state must
always be the fold of the events it accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esbank import (
    INT64_MAX,
    AccountAlreadyOpen,
    AccountClosedError,
    AccountNotOpen,
    BalanceLimitExceeded,
    Bank,
    BankAccount,
    CloseAccount,
    DepositMoney,
    DomainError,
    DuckDBEventStore,
    Event,
    InsufficientFunds,
    InvalidAmount,
    NonZeroBalance,
    OpenAccount,
    WithdrawMoney,
    decide,
    evolve,
    replay,
)

ACCOUNTS = [UUID(int=0xA1), UUID(int=0xA2), UUID(int=0xA3)]

amounts = st.one_of(
    st.integers(1, 1_000),
    st.integers(1, INT64_MAX),
    st.sampled_from([1, INT64_MAX, INT64_MAX - 1, 2**62, 2**32]),
)
# Out-of-range amounts too: the command itself must refuse them.
any_amounts = st.one_of(
    amounts, amounts, amounts, st.integers(-(2**64), 0), st.integers(INT64_MAX + 1, 2**65)
)
initial_balances = st.one_of(st.just(0), amounts)
account_index = st.integers(0, len(ACCOUNTS) - 1)

steps = st.one_of(
    st.tuples(st.just("open"), account_index, initial_balances),
    st.tuples(st.just("deposit"), account_index, any_amounts),
    st.tuples(st.just("deposit"), account_index, st.integers(1, 10_000)),
    st.tuples(st.just("withdraw"), account_index, st.integers(1, 10_000)),
    st.tuples(st.just("withdraw"), account_index, any_amounts),
    st.tuples(st.just("close"), account_index, st.just(0)),
    # withdraw exactly the balance the model holds (0 for an unopened account: InvalidAmount)
    st.tuples(st.just("empty"), account_index, st.just(0)),
)
openings = st.lists(st.tuples(st.just("open"), account_index, initial_balances), max_size=3)
plans = st.builds(lambda first, rest: first + rest, openings, st.lists(steps, max_size=40))


@dataclass
class Model:
    """What the rules say, written as plainly as possible."""

    balance: dict[UUID, int] = field(default_factory=lambda: dict.fromkeys(ACCOUNTS, 0))
    opened: set[UUID] = field(default_factory=set)
    closed: set[UUID] = field(default_factory=set)

    def predict(self, kind: str, account: UUID, value: int) -> type[Exception] | None:
        """The error the step must raise, or None if it must be accepted."""
        if kind in ("deposit", "withdraw") and not 0 < value <= INT64_MAX:
            return InvalidAmount
        if kind == "open":
            return AccountAlreadyOpen if account in self.opened else None
        if account in self.closed:
            return AccountClosedError
        if account not in self.opened:
            return AccountNotOpen
        if kind == "deposit" and self.balance[account] + value > INT64_MAX:
            return BalanceLimitExceeded
        if kind == "withdraw" and value > self.balance[account]:
            return InsufficientFunds
        if kind == "close" and self.balance[account] != 0:
            return NonZeroBalance
        return None

    def apply(self, kind: str, account: UUID, value: int) -> None:
        if kind == "open":
            self.opened.add(account)
            self.balance[account] = value
        elif kind == "deposit":
            self.balance[account] += value
        elif kind == "withdraw":
            self.balance[account] -= value
        else:
            self.closed.add(account)


def resolve(model: Model, kind: str, account: UUID, value: int) -> tuple[str, int]:
    """Turn the "empty" step into a withdrawal of the whole balance."""
    if kind == "empty":
        return "withdraw", model.balance[account]
    return kind, value


def build(kind: str, account: UUID, value: int) -> Any:
    if kind == "open":
        return OpenAccount(account, f"Owner {account.int:x}", value)
    if kind == "deposit":
        return DepositMoney(account, value)
    if kind == "withdraw":
        return WithdrawMoney(account, value)
    return CloseAccount(account)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans)
def test_decide_then_evolve_follows_the_rules(plan: list[tuple[str, int, int]]) -> None:
    model = Model()
    states = {a: BankAccount.new(a) for a in ACCOUNTS}
    log: dict[UUID, list[Event]] = {a: [] for a in ACCOUNTS}
    for kind, index, value in plan:
        account = ACCOUNTS[index]
        kind, value = resolve(model, kind, account, value)
        expected_error = model.predict(kind, account, value)
        before = (dict(states), {a: list(events) for a, events in log.items()})
        try:
            command = build(kind, account, value)
            events = decide(command, states[account])
        except DomainError as error:
            assert expected_error is not None, f"{kind} {value} refused: {error}"
            assert type(error) is expected_error
            # a rejected command changes nothing
            assert (states, log) == before
            continue
        assert expected_error is None, f"{kind} {value} accepted, expected {expected_error}"
        assert len(events) == 1
        state = states[account]
        for event in events:
            following = evolve(state, event)
            assert following.version == state.version + 1  # versions are contiguous
            assert 0 <= following.balance <= INT64_MAX  # never negative, never beyond int64
            state = following
        states[account] = state
        log[account].extend(events)
        model.apply(kind, account, value)
        assert state.balance == model.balance[account]

    for account in ACCOUNTS:
        state = states[account]
        assert replay(log[account], account_id=account) == state
        assert state.version == len(log[account])
        assert state.balance == model.balance[account]
        assert state.is_open == (account in model.opened and account not in model.closed)
        assert state.is_closed == (account in model.closed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans)
def test_bank_on_duckdb_matches_the_pure_fold(plan: list[tuple[str, int, int]]) -> None:
    model = Model()
    pure = {a: BankAccount.new(a) for a in ACCOUNTS}
    accepted = 0
    with DuckDBEventStore() as store:
        bank = Bank(store)
        for kind, index, value in plan:
            account = ACCOUNTS[index]
            kind, value = resolve(model, kind, account, value)
            expected_error = model.predict(kind, account, value)
            head = store.head_position()
            try:
                result = bank.handle(build(kind, account, value))
            except DomainError as error:
                assert type(error) is expected_error
                assert store.head_position() == head  # nothing written
                continue
            assert expected_error is None
            accepted += 1
            model.apply(kind, account, value)
            pure[account] = replay(result.events, pure[account])
            assert (result.status, result.attempts) == ("accepted", 1)
            assert result.position == head + 1 == accepted
            assert result.new_version == pure[account].version

        recorded = store.read_all()
        assert [r.position for r in recorded] == list(range(1, accepted + 1))
        for account in ACCOUNTS:
            stream = store.read_stream(account)
            assert [r.version for r in stream] == list(range(1, len(stream) + 1))
            assert store.stream_version(account) == len(stream)
            assert replay((r.event for r in stream), account_id=account) == pure[account]
            if stream:
                assert bank.load(account) == pure[account]
                assert bank.load(account).balance == model.balance[account]
                assert min(bank.history(account)["balance"]) >= 0
