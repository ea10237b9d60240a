"""A teller panel: send commands to a ``Bank`` with buttons and watch the events pile up.

The ``*_html`` renderers are pure; :func:`teller_panel` only wires ipywidgets to them and to
:func:`~esbank.teach.commands.teller.run_command`. Callbacks write to widget traits, never to
stdout.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID

import ipywidgets as widgets
import pandas as pd

from esbank.app.bank import Bank
from esbank.domain.account import BankAccount
from esbank.domain.money import format_cents
from esbank.eventstore.types import RecordedEvent
from esbank.teach import ui
from esbank.teach.commands.teller import (
    LOG_COLUMNS,
    Action,
    Outcome,
    account_states,
    default_bank,
    event_log_frame,
    run_command,
    states_frame,
)
from esbank.teach.describe import account_status

PANEL_CLASS = "esbank-teller"
WRAP_CSS = (
    f".{PANEL_CLASS}-message {{overflow-wrap: anywhere;}}"
    f".{PANEL_CLASS}-log-table td {{white-space: nowrap;}}"
    f".{PANEL_CLASS}-log-table td:nth-child(5) {{white-space: normal; overflow-wrap: anywhere;}}"
)
"""A long word (a 200-character owner) wraps inside a message or the log's data column, and
only there, instead of widening the panel."""
STYLE = ui.table_style(PANEL_CLASS, extra=ui.OUTCOME_CSS + WRAP_CSS)
"""Scoped CSS for the panel's tables and message line (only under the panel's classes)."""
OWNER_CHARS = 24
"""The most characters of an owner the state table and the chooser show (the rest is cut)."""
BUTTONS: tuple[tuple[Action, str, str, str], ...] = (
    ("open", "Open account", "Open a new account for Owner; Amount is the opening balance",
     "primary"),
    ("deposit", "Deposit", "Deposit Amount cents into the chosen account", ""),
    ("withdraw", "Withdraw", "Withdraw Amount cents from the chosen account", ""),
    ("close", "Close account", "Close the chosen account (its balance must be zero)", "warning"),
)  # fmt: skip
"""Each button: its action, its name, its tooltip and its style."""


# -- the pure renderers ----------------------------------------------------------------------
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
    rows = frame.itertuples(index=False)
    table = ui.table(LOG_COLUMNS, rows, css="esbank-teller-log-table")
    return f'<div class="esbank-teller-log">{caption}{table}</div>'


def short_owner(owner: str | None, *, limit: int = OWNER_CHARS) -> str:
    """``owner`` cut to ``limit`` characters, the last one ``…`` when something was cut."""
    name = owner or ""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def owner_cell(owner: str | None) -> str:
    """The owner as a table cell: a long name is cut, with the full name as its tooltip."""
    short = short_owner(owner)
    if short == (owner or ""):
        return short
    return ui.Raw(f'<span title="{html.escape(owner or "")}">{html.escape(short)}</span>')


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
            owner_cell(s.owner),
            format_cents(s.balance),
            s.version,
            account_status(s),
        )
        for s in states
    ]
    headers = ["", "account", "owner", "balance", "version", "status"]
    table = ui.table(headers, rows, css="esbank-teller-state-table")
    caption = "<b>Current state</b> (replayed from the log)"
    return f'<div class="esbank-teller-state">{caption}{table}</div>'


def message_html(outcome: Outcome | None) -> str:
    """Render an outcome as one line: ✅ and what was recorded, or ❌ the rule and its message."""
    if outcome is None:
        return ui.message(
            PANEL_CLASS, "Type an owner and an amount (in cents), then click a button."
        )
    if outcome.accepted:
        return ui.message(PANEL_CLASS, f"✅ {html.escape(outcome.text)}", outcome="accepted")
    return ui.refusal(PANEL_CLASS, outcome.error or "Refused", outcome.text)


def outcomes_html(outcomes: Sequence[Outcome]) -> str:
    """Render every outcome, oldest first, one message line each."""
    if not outcomes:
        return message_html(None)
    lines = "".join(message_html(o) for o in outcomes)
    return f'<div class="esbank-teller-messages"><b>Messages</b>, oldest first{lines}</div>'


def _label(state: BankAccount) -> str:
    label = f"{short_owner(state.owner)} · {state.id}"
    return label + " (closed)" if state.is_closed else label


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class TellerPanel(ui.Shell):
    """The widgets of one teller panel; display ``.widget`` (or the panel itself)."""

    label: ClassVar[str] = "Teller panel"

    bank: Bank
    owner: widgets.Text
    amount: widgets.Text
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
        return ui.snapshot(
            PANEL_CLASS,
            STYLE,
            outcomes_html(self.outcomes),
            state_html(account_states(records), selected=self.account.value),
            event_log_html(records),
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live panel; a renderer without widgets (GitHub, exported HTML) gets the panel as
        it was when displayed, frozen as HTML."""
        data = super()._repr_mimebundle_(**kwargs)
        data["text/html"] = self.snapshot_html()
        return data

    def __repr__(self) -> str:
        records = self.records()
        return f"TellerPanel(accounts={len(account_states(records))}, events={len(records)})"


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
    wide = widgets.Layout(width="32em")
    owner_box = widgets.Text(value=owner, description="Owner", layout=wide)
    amount_box = widgets.Text(
        value=str(amount), description="Amount (¢)", placeholder="whole cents", layout=wide
    )
    chooser = widgets.Dropdown(options=[], value=None, description="Account", layout=wide)
    inputs = [
        ui.classed(PANEL_CLASS, name, box)
        for name, box in (("owner", owner_box), ("amount", amount_box), ("account", chooser))
    ]
    buttons = {action: ui.button(PANEL_CLASS, action, *rest) for action, *rest in BUTTONS}
    message, state, log = (
        ui.classed(PANEL_CLASS, name, widgets.HTML()) for name in ("message", "state", "log")
    )
    message.value = message_html(None)
    row = widgets.HBox(list(buttons.values()))
    panel = TellerPanel(
        bank=bank if bank is not None else default_bank(),
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
        widget=ui.root(PANEL_CLASS, [*inputs, row, message, state, log], css=STYLE),
        max_log_rows=max_log_rows,
    )
    for action, button in buttons.items():
        button.on_click(lambda _button, action=action: panel.send(action))
    chooser.observe(lambda _change: panel.refresh(), names="value")
    panel.refresh()
    return panel
