"""The teller of notebook 01: send one command to a ``Bank`` and say what happened.

Plain functions, testable without a browser: :func:`run_command` turns a button click into a
command and its outcome, :func:`account_states` folds the log into every account's state, and
the ``*_frame`` functions show both as tables. The panel (``panel.py``) only wires widgets to
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import pandas as pd

from esbank.app.bank import Bank, CommandResult
from esbank.domain.account import BankAccount, evolve
from esbank.domain.commands import CloseAccount, Command, DepositMoney, WithdrawMoney
from esbank.domain.errors import EsbankError, InvalidArgument
from esbank.domain.money import format_cents, parse_cents
from esbank.eventstore.types import RecordedEvent
from esbank.teach.describe import account_status, describe_event, event_data
from esbank.teach.determinism import SequentialIds, memory_store

Action = Literal["open", "deposit", "withdraw", "close"]
ACTIONS: tuple[Action, ...] = ("open", "deposit", "withdraw", "close")

LOG_COLUMNS = ["position", "account", "version", "event_type", "data", "recorded_at"]
STATE_COLUMNS = ["account", "owner", "balance", "balance_cents", "version", "status"]
EVENT_ID_PREFIX = 0xE
"""Prefix of the default store's own event-id factory (used by direct appends only)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one command sent from the panel: accepted, or refused and why."""

    accepted: bool
    text: str
    error: str | None = None
    account_id: UUID | None = None
    result: CommandResult | None = None

    def summary(self) -> str:
        """One plain-text line: ``✅ accepted: …`` or ``❌ RuleName: the rule's message``."""
        if self.accepted:
            return f"✅ {self.text}"
        return f"❌ {self.error or 'Refused'}: {self.text}"


NO_ACCOUNT = Outcome(
    accepted=False,
    text=(
        "no account chosen, so nothing was sent; type an owner and click "
        "'Open account' first, then pick the account in the chooser"
    ),
    error="NoAccountChosen",
)


def run_command(
    bank: Bank,
    action: Action,
    *,
    owner: str = "",
    amount: int | str = 0,
    account_id: UUID | None = None,
) -> Outcome:
    """Send one command to ``bank`` and describe the outcome; a refusal is returned, not raised.

    ``action`` is ``"open"`` (``amount`` is the opening balance), ``"deposit"``, ``"withdraw"``
    or ``"close"``. Every error esbank raises on purpose becomes a refused ``Outcome`` whose
    text is the rule's own message; the bank writes nothing for it. ``amount`` may be the
    text typed into a panel: it is read as whole cents (``esbank.parse_cents``), and a decimal,
    letters or nothing at all are refused with ``InvalidAmount``, never rounded or guessed.
    """
    if action not in ACTIONS:
        raise InvalidArgument(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    if action != "open" and account_id is None:
        return NO_ACCOUNT
    try:
        cents = parse_cents(amount) if action != "close" else 0
        if action == "open":
            result = bank.open_account(owner, cents)
        else:
            assert account_id is not None
            result = bank.handle(_command(action, account_id, cents))
    except EsbankError as exc:
        return Outcome(
            accepted=False, text=str(exc), error=type(exc).__name__, account_id=account_id
        )
    events = ", ".join(describe_event(e) for e in result.events)
    return Outcome(
        accepted=True,
        text=(
            f"accepted: {events} recorded for account {result.aggregate_id} "
            f"at version {result.new_version} (position {result.position})"
        ),
        account_id=result.aggregate_id,
        result=result,
    )


def _command(action: Action, account_id: UUID, amount: int) -> Command:
    if action == "deposit":
        return DepositMoney(account_id, amount)
    if action == "withdraw":
        return WithdrawMoney(account_id, amount)
    return CloseAccount(account_id)


def account_states(records: Sequence[RecordedEvent]) -> list[BankAccount]:
    """Fold the log into the current state of every account, in order of first event."""
    states: dict[UUID, BankAccount] = {}
    for r in records:
        state = states.get(r.aggregate_id) or BankAccount.new(r.aggregate_id)
        states[r.aggregate_id] = evolve(state, r.event)
    return list(states.values())


def event_log_frame(records: Sequence[RecordedEvent]) -> pd.DataFrame:
    """The log as a table, one row per event in global order; money stays in int cents."""
    rows = [
        (
            r.position,
            str(r.aggregate_id),
            r.version,
            r.event_type,
            event_data(r.event),
            r.recorded_at.isoformat(),
        )
        for r in records
    ]
    return pd.DataFrame(rows, columns=LOG_COLUMNS).astype({"position": "int64", "version": "int64"})


def states_frame(states: Sequence[BankAccount]) -> pd.DataFrame:
    """The current state of each account as a table (balance formatted and in cents)."""
    rows = [
        (str(s.id), s.owner, format_cents(s.balance), s.balance, s.version, account_status(s))
        for s in states
    ]
    return pd.DataFrame(rows, columns=STATE_COLUMNS).astype(
        {"balance_cents": "int64", "version": "int64"}
    )


def default_bank() -> Bank:
    """A fresh deterministic bank: in-memory DuckDB, a step clock, sequential ids."""
    return Bank(memory_store(EVENT_ID_PREFIX), new_id=SequentialIds())
