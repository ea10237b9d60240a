"""A teller panel: send commands to a ``Bank`` with buttons and watch the events pile up.

The logic lives in plain functions (:func:`run_command`, :func:`account_states`,
:func:`event_log_frame`, the ``*_html`` renderers) so it can be tested without a browser;
:func:`teller_panel` only wires ipywidgets to them. Callbacks write to widget traits, never
to stdout.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

import ipywidgets as widgets
import pandas as pd

from esbank.app.bank import Bank, CommandResult
from esbank.domain.account import BankAccount, evolve
from esbank.domain.commands import CloseAccount, Command, DepositMoney, WithdrawMoney
from esbank.domain.errors import EsbankError, InvalidArgument
from esbank.domain.events import Event
from esbank.domain.money import format_cents
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.types import RecordedEvent
from esbank.teach.determinism import SequentialIds, StepClock

Action = Literal["open", "deposit", "withdraw", "close"]
ACTIONS: tuple[Action, ...] = ("open", "deposit", "withdraw", "close")

LOG_COLUMNS = ["position", "account", "version", "event_type", "data", "recorded_at"]
STATE_COLUMNS = ["account", "owner", "balance", "balance_cents", "version", "status"]

PANEL_CLASS = "esbank-teller"
STYLE = (
    "<style>"
    ".esbank-teller table, .esbank-teller-snapshot table "
    "{border-collapse: collapse; margin: 0.3em 0 0.8em 0; font-size: 0.9em;}"
    ".esbank-teller th, .esbank-teller td, .esbank-teller-snapshot th, "
    ".esbank-teller-snapshot td {border: 1px solid #ccc; padding: 0.15em 0.5em;}"
    ".esbank-rejected {color: #a40000;} .esbank-accepted {color: #1b5e20;}"
    "</style>"
)
"""Scoped CSS for the panel's tables and message line (only under the panel's classes)."""
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


# -- the functional core -------------------------------------------------------------------
def run_command(
    bank: Bank,
    action: Action,
    *,
    owner: str = "",
    amount: int = 0,
    account_id: UUID | None = None,
) -> Outcome:
    """Send one command to ``bank`` and describe the outcome; a refusal is returned, not raised.

    ``action`` is ``"open"`` (``amount`` is the opening balance), ``"deposit"``, ``"withdraw"``
    or ``"close"``. Every error esbank raises on purpose becomes a refused ``Outcome`` whose
    text is the rule's own message; the bank writes nothing for it.
    """
    if action not in ACTIONS:
        raise InvalidArgument(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    if action != "open" and account_id is None:
        return Outcome(
            accepted=False,
            text=(
                "no account chosen, so nothing was sent; type an owner and click "
                "'Open account' first, then pick the account in the chooser"
            ),
            error="NoAccountChosen",
        )
    try:
        if action == "open":
            result = bank.open_account(owner, amount)
        else:
            assert account_id is not None
            result = bank.handle(_command(action, account_id, amount))
    except EsbankError as exc:
        return Outcome(
            accepted=False, text=str(exc), error=type(exc).__name__, account_id=account_id
        )
    events = ", ".join(_describe_event(e) for e in result.events)
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


def _event_data(event: Event) -> str:
    return ", ".join(f"{f.name}={getattr(event, f.name)!r}" for f in dataclasses.fields(event))


def _describe_event(event: Event) -> str:
    return f"{event.event_type}({_event_data(event)})"


def account_states(records: Sequence[RecordedEvent]) -> list[BankAccount]:
    """Fold the log into the current state of every account, in order of first event."""
    states: dict[UUID, BankAccount] = {}
    for r in records:
        state = states.get(r.aggregate_id) or BankAccount.new(r.aggregate_id)
        states[r.aggregate_id] = evolve(state, r.event)
    return list(states.values())


def _status(state: BankAccount) -> str:
    if state.is_closed:
        return "closed"
    return "open" if state.is_open else "not opened"


def event_log_frame(records: Sequence[RecordedEvent]) -> pd.DataFrame:
    """The log as a table, one row per event in global order; money stays in int cents."""
    rows = [
        (
            r.position,
            str(r.aggregate_id),
            r.version,
            r.event_type,
            _event_data(r.event),
            r.recorded_at.isoformat(),
        )
        for r in records
    ]
    return pd.DataFrame(rows, columns=LOG_COLUMNS).astype({"position": "int64", "version": "int64"})


def states_frame(states: Sequence[BankAccount]) -> pd.DataFrame:
    """The current state of each account as a table (balance formatted and in cents)."""
    rows = [
        (str(s.id), s.owner, format_cents(s.balance), s.balance, s.version, _status(s))
        for s in states
    ]
    return pd.DataFrame(rows, columns=STATE_COLUMNS).astype(
        {"balance_cents": "int64", "version": "int64"}
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], css: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def event_log_html(records: Sequence[RecordedEvent], *, max_rows: int | None = None) -> str:
    """Render the log as an HTML table; with ``max_rows``, only the newest rows."""
    if not records:
        return (
            '<div class="esbank-teller-log"><b>Event log</b>: empty, no event yet '
            "(a refused command never writes one)</div>"
        )
    frame = event_log_frame(records)
    caption = f"<b>Event log</b>: {len(frame)} event(s), oldest first"
    if max_rows is not None and len(frame) > max_rows:
        frame = frame.tail(max_rows)
        caption += f" (showing the newest {max_rows})"
    table = _table(LOG_COLUMNS, frame.itertuples(index=False), "esbank-teller-log-table")
    return f'<div class="esbank-teller-log">{caption}{table}</div>'


def state_html(states: Sequence[BankAccount], *, selected: UUID | None = None) -> str:
    """Render the current state of each account as an HTML table; ``selected`` is marked ▶."""
    if not states:
        return (
            '<div class="esbank-teller-state"><b>Current state</b>: no account yet; '
            "state is what the events add up to, and there are none</div>"
        )
    rows = [
        (
            "▶" if s.id == selected else "",
            s.id,
            s.owner,
            format_cents(s.balance),
            s.version,
            _status(s),
        )
        for s in states
    ]
    headers = ["", "account", "owner", "balance", "version", "status"]
    table = _table(headers, rows, "esbank-teller-state-table")
    caption = "<b>Current state</b> (replayed from the log)"
    return f'<div class="esbank-teller-state">{caption}{table}</div>'


def message_html(outcome: Outcome | None) -> str:
    """Render an outcome as one line: ✅ and what was recorded, or ❌ the rule and its message."""
    if outcome is None:
        return (
            '<div class="esbank-teller-message">Type an owner and an amount (in cents), '
            "then click a button.</div>"
        )
    if outcome.accepted:
        text = html.escape(outcome.text)
        return f'<div class="esbank-teller-message esbank-accepted">✅ {text}</div>'
    return (
        f'<div class="esbank-teller-message esbank-rejected">❌ '
        f"<b>{html.escape(outcome.error or 'Refused')}</b>: {html.escape(outcome.text)}</div>"
    )


def outcomes_html(outcomes: Sequence[Outcome]) -> str:
    """Render every outcome, oldest first, one message line each."""
    if not outcomes:
        return message_html(None)
    lines = "".join(message_html(o) for o in outcomes)
    return f'<div class="esbank-teller-messages"><b>Messages</b>, oldest first{lines}</div>'


def default_bank() -> Bank:
    """A fresh deterministic bank: in-memory DuckDB, a step clock, sequential ids."""
    store = DuckDBEventStore(
        ":memory:", clock=StepClock(), new_id=SequentialIds(prefix=EVENT_ID_PREFIX)
    )
    return Bank(store, new_id=SequentialIds())


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class TellerPanel:
    """The widgets of one teller panel; display ``.widget`` (or the panel itself)."""

    bank: Bank
    owner: widgets.Text
    amount: widgets.IntText
    account: widgets.Dropdown
    open_button: widgets.Button
    deposit_button: widgets.Button
    withdraw_button: widgets.Button
    close_button: widgets.Button
    message: widgets.HTML
    state: widgets.HTML
    log: widgets.HTML
    widget: widgets.VBox
    max_log_rows: int | None = 20
    outcomes: list[Outcome] = field(default_factory=list)
    """Every outcome of this panel, oldest first (the message line shows the newest)."""

    def records(self) -> list[RecordedEvent]:
        """Every event in the bank's store, in global order."""
        return self.bank.store.read_all()

    def log_frame(self) -> pd.DataFrame:
        """The whole event log as a DataFrame (for a static display below the panel)."""
        return event_log_frame(self.records())

    def states_frame(self) -> pd.DataFrame:
        """The current state of every account as a DataFrame."""
        return states_frame(account_states(self.records()))

    def refresh(self) -> None:
        """Re-read the store and redraw the chooser, the state view and the log."""
        records = self.records()
        states = account_states(records)
        options = [(_label(s), s.id) for s in states]
        if list(self.account.options) != options:
            current = self.account.value
            self.account.options = options
            if any(value == current for _, value in options):
                self.account.value = current
        self.state.value = state_html(states, selected=self.account.value)
        self.log.value = event_log_html(records, max_rows=self.max_log_rows)

    def send(self, action: Action) -> Outcome:
        """Run ``action`` with the current input values, as clicking its button does."""
        outcome = run_command(
            self.bank,
            action,
            owner=self.owner.value,
            amount=self.amount.value,
            account_id=self.account.value,
        )
        self.outcomes.append(outcome)
        self.message.value = message_html(outcome)
        self.refresh()
        if outcome.accepted and action == "open":
            self.account.value = outcome.account_id
        return outcome

    def snapshot_html(self) -> str:
        """Every message, the state and the whole log as one HTML block: the panel, frozen."""
        records = self.records()
        states = account_states(records)
        parts = (
            outcomes_html(self.outcomes),
            state_html(states, selected=self.account.value),
            event_log_html(records),
        )
        return f'<div class="{PANEL_CLASS}-snapshot">{STYLE}{"".join(parts)}</div>'

    def __repr__(self) -> str:
        records = self.records()
        return f"TellerPanel(accounts={len(account_states(records))}, events={len(records)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Teller panel (run the cell in Jupyter to use it)"
        return data


def _label(state: BankAccount) -> str:
    label = f"{state.owner} · {state.id}"
    return label + " (closed)" if state.is_closed else label


def _button(description: str, tooltip: str, css: str, style: str = "") -> widgets.Button:
    button = widgets.Button(description=description, tooltip=tooltip, button_style=style)
    button.add_class(f"{PANEL_CLASS}-{css}")
    return button


def teller_panel(
    bank: Bank | None = None,
    *,
    owner: str = "Ada",
    amount: int = 10_000,
    max_log_rows: int | None = 20,
) -> TellerPanel:
    """Build a teller panel on ``bank`` (default: a fresh deterministic in-memory bank).

    ``amount`` is in cents; "Open account" uses it as the opening balance.
    """
    bank = bank if bank is not None else default_bank()
    wide = widgets.Layout(width="32em")
    owner_box = widgets.Text(value=owner, description="Owner", layout=wide)
    amount_box = widgets.IntText(value=amount, description="Amount (¢)", layout=wide)
    chooser = widgets.Dropdown(options=[], value=None, description="Account", layout=wide)
    for box, css in ((owner_box, "owner"), (amount_box, "amount"), (chooser, "account")):
        box.add_class(f"{PANEL_CLASS}-{css}")
    buttons: dict[Action, widgets.Button] = {
        "open": _button(
            "Open account",
            "Open a new account for Owner; Amount is the opening balance",
            "open",
            "primary",
        ),
        "deposit": _button("Deposit", "Deposit Amount cents into the chosen account", "deposit"),
        "withdraw": _button(
            "Withdraw", "Withdraw Amount cents from the chosen account", "withdraw"
        ),
        "close": _button(
            "Close account",
            "Close the chosen account (its balance must be zero)",
            "close",
            "warning",
        ),
    }
    message = widgets.HTML(value=message_html(None))
    state = widgets.HTML()
    log = widgets.HTML()
    for view, css in ((message, "message"), (state, "state"), (log, "log")):
        view.add_class(f"{PANEL_CLASS}-{css}")
    root = widgets.VBox(
        [
            widgets.HTML(STYLE),
            owner_box,
            amount_box,
            chooser,
            widgets.HBox(list(buttons.values())),
            message,
            state,
            log,
        ]
    )
    root.add_class(PANEL_CLASS)
    panel = TellerPanel(
        bank=bank,
        owner=owner_box,
        amount=amount_box,
        account=chooser,
        open_button=buttons["open"],
        deposit_button=buttons["deposit"],
        withdraw_button=buttons["withdraw"],
        close_button=buttons["close"],
        message=message,
        state=state,
        log=log,
        widget=root,
        max_log_rows=max_log_rows,
    )
    for action, button in buttons.items():
        button.on_click(lambda _button, action=action: panel.send(action))
    chooser.observe(lambda _change: panel.refresh(), names="value")
    panel.refresh()
    return panel
