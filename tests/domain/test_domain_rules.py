"""Every rule of the bank account, accepted and rejected, through commands, decide and evolve.

The rules come from ARCHITECTURE.md ("Rules" and "Errors"). Each rejection is checked for
its error type *and* for a message that names the problem, because the messages are what a
learner reads in a notebook.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from decimal import Decimal
from uuid import UUID

import numpy as np
import pytest

from esbank import (
    INT64_MAX,
    AccountAlreadyOpen,
    AccountClosed,
    AccountClosedError,
    AccountNotOpen,
    AccountOpened,
    BalanceLimitExceeded,
    BankAccount,
    CloseAccount,
    ConcurrencyConflict,
    CorruptEvent,
    DepositMoney,
    DomainError,
    DuckDBEventStore,
    EsbankError,
    InsufficientFunds,
    InvalidAmount,
    InvalidArgument,
    InvalidCommand,
    InvalidHistory,
    MoneyDeposited,
    MoneyWithdrawn,
    NonZeroBalance,
    OpenAccount,
    StoreError,
    StoreLocked,
    UnknownEventType,
    UnsupportedSchemaVersion,
    WithdrawMoney,
    decide,
    evolve,
    parse_cents,
    replay,
)

A = UUID(int=0xA)
B = UUID(int=0xB)


def new() -> BankAccount:
    return BankAccount.new(A)


def opened(balance: int = 0, owner: str = "Ada") -> BankAccount:
    return replay([AccountOpened(owner=owner, initial_balance=balance)], account_id=A)


def closed() -> BankAccount:
    return evolve(opened(0), AccountClosed())


def accept(command: object, state: BankAccount) -> BankAccount:
    """decide, then evolve every event; return the new state."""
    events = decide(command, state)  # type: ignore[arg-type]
    assert isinstance(events, tuple)
    return replay(events, state)


# -- the initial state -----------------------------------------------------------------------
def test_new_state_is_version_zero_and_not_open() -> None:
    state = BankAccount.new(A)
    assert (state.id, state.owner, state.balance, state.version) == (A, None, 0, 0)
    assert (state.is_open, state.is_closed) == (False, False)


@pytest.mark.parametrize("bad", ["00000000-0000-0000-0000-00000000000a", 10, None])
def test_account_id_must_be_a_uuid(bad: object) -> None:
    for build in (
        lambda: BankAccount.new(bad),  # type: ignore[arg-type]
        lambda: DepositMoney(bad, 5),  # type: ignore[arg-type]
        lambda: WithdrawMoney(bad, 5),  # type: ignore[arg-type]
        lambda: CloseAccount(bad),  # type: ignore[arg-type]
        lambda: OpenAccount(bad, "Ada"),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidCommand, match=r"account_id must be a uuid\.UUID"):
            build()


# -- open once -------------------------------------------------------------------------------
def test_open_account_accepted_and_evolved() -> None:
    events = decide(OpenAccount(A, "Ada", 500), new())
    assert events == (AccountOpened(owner="Ada", initial_balance=500),)
    state = evolve(new(), events[0])
    assert state == BankAccount(A, "Ada", 500, 1, is_open=True, is_closed=False)


def test_open_account_default_initial_balance_is_zero() -> None:
    assert OpenAccount(A, "Ada").initial_balance == 0
    assert accept(OpenAccount(A, "Ada"), new()).balance == 0


@pytest.mark.parametrize(
    "state", [opened(0), opened(70), closed()], ids=["zero", "money", "closed"]
)
def test_open_twice_rejected(state: BankAccount) -> None:
    with pytest.raises(AccountAlreadyOpen) as info:
        decide(OpenAccount(A, "Bob"), state)
    assert str(A) in str(info.value)
    assert "already exists" in str(info.value)
    assert info.value.account_id == A


# -- deposit / withdraw / close need an open, not closed, account -----------------------------
@pytest.mark.parametrize(
    "command",
    [DepositMoney(A, 5), WithdrawMoney(A, 5), CloseAccount(A)],
    ids=lambda c: type(c).__name__,
)
def test_command_on_never_opened_account_rejected(command: object) -> None:
    with pytest.raises(AccountNotOpen) as info:
        decide(command, new())  # type: ignore[arg-type]
    message = str(info.value)
    assert "has not been opened" in message
    assert type(command).__name__ in message
    assert str(A) in message


@pytest.mark.parametrize(
    "command",
    [DepositMoney(A, 5), WithdrawMoney(A, 5), CloseAccount(A)],
    ids=lambda c: type(c).__name__,
)
def test_command_on_closed_account_rejected(command: object) -> None:
    with pytest.raises(AccountClosedError) as info:
        decide(command, closed())  # type: ignore[arg-type]
    message = str(info.value)
    assert "is closed" in message
    assert type(command).__name__ in message
    assert str(A) in message


def test_deposit_withdraw_close_accepted_on_open_account() -> None:
    state = accept(DepositMoney(A, 250), opened(100))
    assert (state.balance, state.version) == (350, 2)
    state = accept(WithdrawMoney(A, 50), state)
    assert (state.balance, state.version) == (300, 3)
    state = accept(WithdrawMoney(A, 300), state)  # down to exactly zero is allowed
    assert (state.balance, state.version) == (0, 4)
    state = accept(CloseAccount(A), state)
    assert (state.is_open, state.is_closed, state.version, state.balance) == (False, True, 5, 0)


def test_decide_returns_the_matching_events() -> None:
    assert decide(DepositMoney(A, 7), opened(1)) == (MoneyDeposited(7),)
    assert decide(WithdrawMoney(A, 1), opened(1)) == (MoneyWithdrawn(1),)
    assert decide(CloseAccount(A), opened(0)) == (AccountClosed(),)


# -- amounts ---------------------------------------------------------------------------------
NOT_INT_AMOUNTS = [
    True,
    False,
    1.0,
    12.34,
    math.nan,
    math.inf,
    -math.inf,
    "5",
    Decimal("5"),
    np.int64(5),
    np.int32(5),
    None,
    [5],
]
OUT_OF_RANGE_AMOUNTS = [
    (0, "must be positive"),
    (-1, "must be positive"),
    (-(2**63), "must be positive"),
    (2**63, "int64 limit"),
    (2**64, "int64 limit"),
]
AMOUNT_BUILDERS = [DepositMoney, WithdrawMoney]
AMOUNT_EVENTS = [MoneyDeposited, MoneyWithdrawn]


@pytest.mark.parametrize("bad", NOT_INT_AMOUNTS, ids=repr)
def test_amount_must_be_a_real_int(bad: object) -> None:
    for command in AMOUNT_BUILDERS:
        with pytest.raises(InvalidAmount, match="amount must be an int number of cents"):
            command(A, bad)  # type: ignore[arg-type]
    for event in AMOUNT_EVENTS:
        with pytest.raises(InvalidAmount, match="amount must be an int number of cents"):
            event(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("bad", "why"), OUT_OF_RANGE_AMOUNTS, ids=lambda v: repr(v)[:12])
def test_amount_range(bad: int, why: str) -> None:
    for build in AMOUNT_BUILDERS:
        with pytest.raises(InvalidAmount, match=why):
            build(A, bad)
    for event in AMOUNT_EVENTS:
        with pytest.raises(InvalidAmount, match=why):
            event(bad)


@pytest.mark.parametrize("good", [1, 2, INT64_MAX])
def test_amount_boundaries_accepted(good: int) -> None:
    assert DepositMoney(A, good).amount == good
    assert WithdrawMoney(A, good).amount == good
    assert MoneyDeposited(good).amount == good


def test_invalid_amount_is_an_invalid_command() -> None:
    assert issubclass(InvalidAmount, InvalidCommand)


# -- initial balance -------------------------------------------------------------------------
@pytest.mark.parametrize("good", [0, 1, INT64_MAX])
def test_initial_balance_accepted(good: int) -> None:
    assert accept(OpenAccount(A, "Ada", good), new()).balance == good
    assert AccountOpened("Ada", good).initial_balance == good


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (-1, "zero or more"),
        (-(2**63), "zero or more"),
        (2**63, "int64 limit"),
        (0.0, "must be an int"),
        (1.5, "must be an int"),
        (True, "must be an int"),
        (False, "must be an int"),
        ("0", "must be an int"),
        (Decimal(0), "must be an int"),
        (np.int64(0), "must be an int"),
        (math.nan, "must be an int"),
    ],
    ids=repr,
)
def test_initial_balance_rejected(bad: object, why: str) -> None:
    with pytest.raises(InvalidAmount, match=why) as info:
        OpenAccount(A, "Ada", bad)  # type: ignore[arg-type]
    assert "initial_balance" in str(info.value)
    with pytest.raises(InvalidAmount, match=why):
        AccountOpened("Ada", bad)  # type: ignore[arg-type]


# -- the balance limits ----------------------------------------------------------------------
def test_balance_may_reach_but_never_exceed_int64() -> None:
    state = accept(DepositMoney(A, 10), opened(INT64_MAX - 10))
    assert state.balance == INT64_MAX
    with pytest.raises(BalanceLimitExceeded) as info:
        decide(DepositMoney(A, 1), state)
    assert (info.value.balance, info.value.amount, info.value.account_id) == (INT64_MAX, 1, A)
    message = str(info.value)
    assert "int64" in message
    assert "deposit at most 0 cents" in message


def test_balance_limit_names_the_room_left() -> None:
    with pytest.raises(BalanceLimitExceeded) as info:
        decide(DepositMoney(A, 11), opened(INT64_MAX - 10))
    assert "deposit at most 10 cents" in str(info.value)
    assert f"the balance is {INT64_MAX - 10} cents" in str(info.value)


@pytest.mark.parametrize(("balance", "requested"), [(0, 1), (100, 101), (5, INT64_MAX)])
def test_withdrawal_never_goes_below_zero(balance: int, requested: int) -> None:
    with pytest.raises(InsufficientFunds) as info:
        decide(WithdrawMoney(A, requested), opened(balance))
    error = info.value
    assert (error.balance, error.requested, error.account_id) == (balance, requested, A)
    assert f"balance={balance}" in str(error)
    assert f"requested={requested}" in str(error)
    assert "insufficient funds" in str(error)


@pytest.mark.parametrize("balance", [1, 99, INT64_MAX])
def test_close_needs_zero_balance(balance: int) -> None:
    with pytest.raises(NonZeroBalance) as info:
        decide(CloseAccount(A), opened(balance))
    assert info.value.balance == balance
    assert f"still holds {balance} cents" in str(info.value)
    assert "withdraw" in str(info.value)


# -- owner -----------------------------------------------------------------------------------
def test_owner_is_trimmed() -> None:
    assert OpenAccount(A, "  Ada Lovelace \t\n").owner == "Ada Lovelace"
    assert AccountOpened("  Ada  ").owner == "Ada"
    assert decide(OpenAccount(A, "  Ada  "), new()) == (AccountOpened("Ada"),)
    assert accept(OpenAccount(A, "\tAda\n"), new()).owner == "Ada"


def test_owner_length_is_counted_after_trimming() -> None:
    assert OpenAccount(A, "x" * 200).owner == "x" * 200
    assert OpenAccount(A, "   " + "x" * 200 + "   ").owner == "x" * 200
    with pytest.raises(InvalidCommand, match="at most 200 characters after trimming, got 201"):
        OpenAccount(A, "x" * 201)


def test_owner_of_ten_thousand_characters_rejected() -> None:
    with pytest.raises(InvalidCommand, match="at most 200 characters") as info:
        OpenAccount(A, "y" * 10_000)
    assert "got 10000" in str(info.value)
    assert len(str(info.value)) < 500  # the message does not echo the huge name back
    with pytest.raises(InvalidCommand, match="at most 200 characters"):
        AccountOpened("y" * 10_000)


@pytest.mark.parametrize("blank", ["", " ", "   \t\n  ", "\u3000"], ids=repr)
def test_owner_empty_or_whitespace_rejected(blank: str) -> None:
    with pytest.raises(InvalidCommand, match="must not be empty"):
        OpenAccount(A, blank)
    with pytest.raises(InvalidCommand, match="must not be empty"):
        AccountOpened(blank)


@pytest.mark.parametrize("bad", [None, 42, b"Ada", ["Ada"], 3.5], ids=repr)
def test_owner_must_be_a_str(bad: object) -> None:
    with pytest.raises(InvalidCommand, match="owner must be a str") as info:
        OpenAccount(A, bad)  # type: ignore[arg-type]
    assert type(bad).__name__ in str(info.value)
    with pytest.raises(InvalidCommand, match="owner must be a str"):
        AccountOpened(bad)  # type: ignore[arg-type]


# -- decide refuses what is not a command for this state -------------------------------------
@pytest.mark.parametrize(
    "command",
    [DepositMoney(B, 5), WithdrawMoney(B, 5), CloseAccount(B), OpenAccount(B, "Bob")],
    ids=lambda c: type(c).__name__,
)
def test_command_for_another_account_rejected(command: object) -> None:
    with pytest.raises(InvalidCommand) as info:
        decide(command, opened(100))  # type: ignore[arg-type]
    assert type(info.value) is InvalidCommand
    assert str(A) in str(info.value)
    assert str(B) in str(info.value)
    assert "load the state of the account the command names" in str(info.value)


@pytest.mark.parametrize(
    "not_a_command",
    [None, "deposit 5", {"account_id": A, "amount": 5}, MoneyDeposited(5), AccountClosed()],
    ids=lambda c: type(c).__name__,
)
def test_non_command_rejected_by_decide(not_a_command: object) -> None:
    with pytest.raises(InvalidCommand) as info:
        decide(not_a_command, opened(100))  # type: ignore[arg-type]
    assert "expected one of OpenAccount, DepositMoney, WithdrawMoney, CloseAccount" in str(
        info.value
    )
    assert type(not_a_command).__name__ in str(info.value)


@pytest.mark.parametrize("not_a_state", [None, A, {"id": A}], ids=repr)
def test_decide_needs_a_bank_account_state(not_a_state: object) -> None:
    with pytest.raises(InvalidArgument, match=r"state must be a BankAccount.*BankAccount\.new"):
        decide(DepositMoney(A, 5), not_a_state)  # type: ignore[arg-type]


# -- evolve refuses histories that could not have happened ------------------------------------
@pytest.mark.parametrize(
    ("state", "event", "why"),
    [
        (new(), MoneyDeposited(5), "never opened"),
        (new(), MoneyWithdrawn(5), "never opened"),
        (new(), AccountClosed(), "never opened"),
        (opened(0), AccountOpened("Bob"), "already opened"),
        (closed(), AccountOpened("Bob"), "already opened"),
        (opened(10), MoneyWithdrawn(11), "below zero"),
        (opened(10), AccountClosed(), "balance is not zero"),
        (opened(INT64_MAX), MoneyDeposited(1), "int64 limit"),
        (closed(), MoneyDeposited(5), "account is closed"),
        (closed(), MoneyWithdrawn(5), "account is closed"),
        (closed(), AccountClosed(), "account is closed"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_evolve_refuses_impossible_history(state: BankAccount, event: object, why: str) -> None:
    with pytest.raises(InvalidHistory) as info:
        evolve(state, event)  # type: ignore[arg-type]
    message = str(info.value)
    assert why in message
    assert type(event).__name__ in message
    assert f"version {state.version}" in message
    assert "history is inconsistent" in message


@pytest.mark.parametrize("not_an_event", [DepositMoney(A, 5), None, {"amount": 5}], ids=repr)
def test_evolve_refuses_non_events(not_an_event: object) -> None:
    with pytest.raises(InvalidHistory, match="expected one of AccountOpened"):
        evolve(opened(10), not_an_event)  # type: ignore[arg-type]


def test_replay_folds_evolve_and_counts_versions() -> None:
    events = [AccountOpened("Ada", 10), MoneyDeposited(5), MoneyWithdrawn(15), AccountClosed()]
    state = replay(events, account_id=A)
    assert state == BankAccount(A, "Ada", 0, 4, is_open=False, is_closed=True)
    middle = replay(events[:2], account_id=A)
    assert replay(events[2:], middle) == state
    assert replay([], account_id=A) == BankAccount.new(A)


def test_replay_needs_a_state_or_an_account_id() -> None:
    with pytest.raises(InvalidArgument) as info:
        replay([AccountOpened("Ada")])
    assert "state=" in str(info.value)
    assert "account_id=" in str(info.value)


@pytest.mark.parametrize("not_a_state", [None, A, "state"], ids=repr)
def test_evolve_needs_a_bank_account_state(not_a_state: object) -> None:
    with pytest.raises(InvalidArgument, match=r"state must be a BankAccount.*BankAccount\.new"):
        evolve(not_a_state, MoneyDeposited(5))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="BankAccount"):
        replay([MoneyDeposited(5)], not_a_state)  # type: ignore[arg-type]


def test_replay_of_a_single_event_says_to_wrap_it() -> None:
    with pytest.raises(InvalidArgument, match=r"wrap a single event as \[event\]"):
        replay(AccountOpened("Ada"), account_id=A)  # type: ignore[arg-type]


def test_replay_accepts_any_iterable_of_events() -> None:
    events = (e for e in [AccountOpened("Ada", 3), MoneyDeposited(4)])
    assert replay(events, account_id=A).balance == 7


def test_replay_refuses_an_impossible_history() -> None:
    with pytest.raises(InvalidHistory, match="never opened"):
        replay([MoneyDeposited(5)], account_id=A)


# -- purity and immutability -----------------------------------------------------------------
def test_decide_and_evolve_never_mutate() -> None:
    state = opened(100)
    before = dataclasses.asdict(state)
    command = WithdrawMoney(A, 40)
    events = decide(command, state)
    assert dataclasses.asdict(state) == before
    after = evolve(state, events[0])
    assert after is not state
    assert dataclasses.asdict(state) == before
    assert (after.balance, after.version) == (60, 2)
    with pytest.raises(InsufficientFunds):
        decide(WithdrawMoney(A, 1000), state)
    assert dataclasses.asdict(state) == before


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (opened(5), "balance"),
        (opened(5), "version"),
        (DepositMoney(A, 5), "amount"),
        (OpenAccount(A, "Ada"), "owner"),
        (MoneyDeposited(5), "amount"),
        (AccountOpened("Ada"), "owner"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_states_commands_and_events_are_frozen(obj: object, field: str) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, field, 1)
    with pytest.raises((AttributeError, TypeError)):
        obj.extra = 1  # type: ignore[attr-defined]  # slots: no new attributes either


# -- the error hierarchy ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "error",
    [
        InvalidCommand,
        InvalidAmount,
        AccountNotOpen,
        AccountAlreadyOpen,
        AccountClosedError,
        InsufficientFunds,
        NonZeroBalance,
        BalanceLimitExceeded,
        InvalidHistory,
    ],
)
def test_domain_errors_are_domain_errors(error: type[Exception]) -> None:
    assert issubclass(error, DomainError)
    assert issubclass(error, EsbankError)
    assert not issubclass(error, StoreError)


def test_error_hierarchy_shape() -> None:
    assert issubclass(DomainError, EsbankError)
    assert issubclass(EsbankError, Exception)
    assert issubclass(ConcurrencyConflict, EsbankError)
    assert not issubclass(ConcurrencyConflict, DomainError | StoreError)
    assert issubclass(StoreError, EsbankError)
    assert not issubclass(StoreError, DomainError)
    for error in (UnknownEventType, CorruptEvent, UnsupportedSchemaVersion, StoreLocked):
        assert issubclass(error, StoreError)
        assert not issubclass(error, DomainError)
    # The event AccountClosed and the error about a closed account are different things.
    assert not issubclass(AccountClosed, BaseException)
    assert issubclass(AccountClosedError, DomainError)


# -- event types and schema versions ---------------------------------------------------------
@pytest.mark.parametrize("cls", [AccountOpened, MoneyDeposited, MoneyWithdrawn, AccountClosed])
def test_event_type_is_the_class_name(cls: type) -> None:
    assert cls.event_type == cls.__name__
    assert isinstance(cls.schema_version, int)
    assert cls.schema_version >= 1
    # event_type is a class constant, not a field that would end up in the payload
    assert "event_type" not in {f.name for f in dataclasses.fields(cls)}


def test_stored_event_type_column_is_exactly_the_class_name() -> None:
    with DuckDBEventStore() as store:
        store.append(
            A,
            [AccountOpened("Ada", 5), MoneyDeposited(7), MoneyWithdrawn(12), AccountClosed()],
            expected_version=0,
        )
        rows = store.connection.execute(
            "SELECT event_type, schema_version, payload FROM events ORDER BY position"
        ).fetchall()
    assert [r[0] for r in rows] == [
        "AccountOpened",
        "MoneyDeposited",
        "MoneyWithdrawn",
        "AccountClosed",
    ]
    assert [r[1] for r in rows] == [2, 3, 1, 1]  # each type's current schema version
    assert [json.loads(r[2]) for r in rows] == [
        {"owner": "Ada", "initial_balance": 5},
        {"amount": 7},
        {"amount": 12},
        {},
    ]


# -- typed money (panels, forms): whole cents or a refusal that says why -----------------------
@pytest.mark.parametrize(
    ("typed", "cents"), [("1250", 1250), (" 1_250 ", 1250), ("0", 0), ("-5", -5), (7, 7)]
)
def test_parse_cents_reads_whole_cents(typed: object, cents: int) -> None:
    assert parse_cents(typed) == cents


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("12.5", "(a decimal)"),
        ("12,50", "(a decimal)"),
        ("1,250", "digits only, got '1,250': without separators"),
        ("-12,500,000", "without separators"),
        (".5", "(a decimal)"),
        ("abc", "digits only"),
        ("1__0", "digits only"),
        ("１２", "digits only"),
        ("", "is empty"),
        ("  ", "is empty"),
        (12.5, "int number of cents"),
        (True, "int number of cents"),
        (None, "int number of cents"),
    ],
)
def test_parse_cents_refuses_anything_else_with_a_reason(typed: object, said: str) -> None:
    with pytest.raises(InvalidAmount, match=re.escape(said)):
        parse_cents(typed)
