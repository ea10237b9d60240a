"""The transfer panel of notebook 11: send money from Ada, let the manager crash at a chosen
step and fault point, resume it, and watch the balances, the money in flight and the events.

The ``*_html`` renderers are pure; :func:`transfer_panel` only wires ipywidgets to them and to
``Transfers``. Each panel starts on a fresh bank of its own (Ada 1,000.00, Bo 0.00, Cy closed)
with no transfer yet. Callbacks write to widget traits, never to stdout.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import ClassVar
from uuid import UUID

import ipywidgets as widgets
import pandas as pd

from esbank.app.bank import Bank
from esbank.app.transfers import FAULT_POINTS, Fault, Transfers
from esbank.domain.money import format_cents
from esbank.domain.transfer import TransferMoney
from esbank.teach import ui
from esbank.teach.beyond.outside import Crash
from esbank.teach.beyond.process import (
    ADA,
    MANAGER,
    TARGETS,
    crash_once,
    log_rows,
    money,
    money_line,
    transfer_bank,
)
from esbank.teach.determinism import SequentialIds

PANEL_CLASS = "esbank-transfers"
# The events table keeps short columns (stream, version, type, step) on one line each; only the
# detail (a refusal's reason can be long) wraps.
NOWRAP = "".join(
    f".{PANEL_CLASS}-events-table td:nth-child({n}) {{white-space: nowrap;}}" for n in (2, 3, 4, 6)
)
STYLE = ui.table_style(PANEL_CLASS, extra=ui.OUTCOME_CSS + NOWRAP)
NO_CRASH = "no crash"
CRASH_STEPS = (NO_CRASH, "debit", "credit", "complete", "refund")
AMOUNTS = (25_000, 40_000, 150_000)
"""What Ada may send, in cents (the last is more than she has at first)."""


# -- the pure renderers ----------------------------------------------------------------------
def money_html(row: dict[str, int]) -> str:
    """The balances, the money in flight and their total (``money()``), as a table."""
    cells = [(name, format_cents(cents)) for name, cents in row.items()]
    table = ui.table(["", "amount"], cells, css=f"{PANEL_CLASS}-money-table", row_headers=True)
    return f'<div class="{PANEL_CLASS}-money"><b>Balances and money in flight</b>{table}</div>'


def events_html(rows: pd.DataFrame, name: str | None) -> str:
    """The events of transfer ``name`` and of the accounts its steps wrote (``log_rows``)."""
    if name is None:
        return f'<div class="{PANEL_CLASS}-events"><b>Events</b>: no transfer yet</div>'
    mine = rows[(rows["stream"] == name) | rows["step"].str.startswith(f"{name},")]
    table = ui.table(
        ["position", "stream", "version", "event_type", "detail", "step"],
        mine.itertuples(index=False),
        css=f"{PANEL_CLASS}-events-table",
    )
    caption = f"<b>Events of {html.escape(name)}</b> and of the accounts it moved"
    return f'<div class="{PANEL_CLASS}-events">{caption}{table}</div>'


def statuses_html(summaries: pd.DataFrame, names: dict[UUID, str]) -> str:
    """Every transfer with its status, from the transfers read model."""
    if summaries.empty:
        return f'<div class="{PANEL_CLASS}-statuses"><b>Transfers</b>: none yet</div>'
    rows = [
        (names.get(r.transfer_id, str(r.transfer_id)), format_cents(int(r.amount)), r.status)
        for r in summaries.itertuples(index=False)
    ]
    table = ui.table(["transfer", "amount", "status"], rows, css=f"{PANEL_CLASS}-statuses-table")
    return f'<div class="{PANEL_CLASS}-statuses"><b>Transfers</b> (read model){table}</div>'


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class TransferPanel(ui.Shell):
    """The widgets of one transfer panel; display ``.widget`` (or the panel itself)."""

    label: ClassVar[str] = "Transfer panel"

    bank: Bank
    target: widgets.Dropdown
    amount: widgets.Dropdown
    crash_step: widgets.Dropdown
    crash_point: widgets.Dropdown
    start_button: widgets.Button
    resume_button: widgets.Button
    message: widgets.HTML
    money: widgets.HTML
    events: widgets.HTML
    statuses: widgets.HTML
    widget: widgets.VBox
    new_id: SequentialIds = field(default_factory=lambda: SequentialIds(prefix=0x7))
    names: dict[UUID, str] = field(default_factory=dict)
    """Each transfer started here and its name (``transfer #n``), in order."""
    messages: list[str] = field(default_factory=list)
    """Every message of this panel, oldest first (the message line shows the newest)."""

    def start_transfer(self) -> str:
        """Start a transfer from Ada with the chosen target and amount, and run the manager,
        which dies at the chosen step and fault point if it gets there."""
        transfer_id = self.new_id()
        name = self.names[transfer_id] = f"transfer #{len(self.names) + 1}"
        step, point = self.crash_step.value, self.crash_point.value
        manager = Transfers(
            self.bank.store, bank=self.bank, fault=_crash_at(step, point), owner=MANAGER
        )
        manager.start(TransferMoney(transfer_id, ADA, self.target.value, self.amount.value))
        what = f"{name} ({format_cents(self.amount.value)} to {self.target.label})"
        try:
            steps = manager.run()
        except Crash as crash:
            return self._say(f"✗ {what}: {crash}. Click 'Resume after crash'.", "rejected")
        note = "" if step == NO_CRASH else f"; it never reached {step} · {point}, so no crash"
        return self._say(f"✓ {what}: {manager.status(transfer_id)} after {steps} step(s){note}")

    def resume(self) -> str:
        """Start a new manager (a fresh Bank, nothing cached) and let it run to the end."""
        manager = Transfers(self.bank.store, owner=MANAGER)
        steps = manager.run()
        if not steps:
            return self._say("a new manager found nothing left to do")
        done = ", ".join(f"{n} {manager.status(t)}" for t, n in self.names.items())
        return self._say(f"✓ a new manager took {steps} step(s): {done}")

    def _say(self, text: str, outcome: ui.Outcome = "accepted") -> str:
        self.messages.append(text)
        self.message.value = ui.message(PANEL_CLASS, html.escape(text), outcome=outcome)
        self.refresh()
        return text

    def refresh(self) -> None:
        """Re-read the balances, the events and the transfers read model."""
        store = self.bank.store
        self.money.value = money_html(money(store))
        last = list(self.names.values())[-1] if self.names else None
        self.events.value = events_html(log_rows(store), last)
        self.statuses.value = statuses_html(
            Transfers(store, owner=MANAGER).summaries_frame(), self.names
        )

    def summary(self) -> str:
        """One line: the balances, the money in flight and the total."""
        return money_line(self.bank.store)

    def snapshot_html(self) -> str:
        """The messages and the three views as one HTML block: the panel, frozen."""
        lines = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        messages = f"<b>Messages</b>, oldest first<ol>{lines}</ol>" if lines else ""
        return ui.snapshot(
            PANEL_CLASS, STYLE, messages, self.money.value, self.events.value, self.statuses.value
        )

    def __repr__(self) -> str:
        return f"TransferPanel({self.summary()})"


def _crash_at(step: str, point: str) -> Fault | None:
    """The manager's ``fault`` hook: die the first time it reaches ``step`` · ``point``."""
    return None if step == NO_CRASH else crash_once(step, point)


def _controls() -> tuple[widgets.Dropdown, ...]:
    """Target, amount, crash step and crash point."""
    wide = {"style": {"description_width": "7em"}, "layout": widgets.Layout(width="22em")}
    target = widgets.Dropdown(
        options=list(TARGETS.items()), value=TARGETS["Bo"], description="Ada sends to", **wide
    )
    amount = widgets.Dropdown(
        options=[(format_cents(a), a) for a in AMOUNTS],
        value=AMOUNTS[0],
        description="amount",
        **wide,
    )
    step = widgets.Dropdown(
        options=CRASH_STEPS, value="credit", description="crash at step", **wide
    )
    point = widgets.Dropdown(
        options=FAULT_POINTS, value="after command", description="fault point", **wide
    )
    names = ("target", "amount", "crash-step", "crash-point")
    return tuple(
        ui.classed(PANEL_CLASS, n, w)
        for n, w in zip(names, (target, amount, step, point), strict=True)
    )


def transfer_panel(*, bank: Bank | None = None) -> TransferPanel:
    """A transfer panel on ``bank`` (default: a fresh ``transfer_bank()``), with no transfer
    yet. "Start transfer" starts one from Ada and runs the manager, crashing where chosen;
    "Resume after crash" runs a new manager."""
    bank = bank if bank is not None else transfer_bank()
    target, amount, step, point = _controls()
    start = ui.button(
        PANEL_CLASS,
        "start",
        "Start transfer",
        "Start a transfer from Ada and run the manager (it dies at the chosen step and point)",
        "primary",
    )
    resume = ui.button(
        PANEL_CLASS,
        "resume",
        "Resume after crash",
        "Run a new manager: it finishes every transfer left pending",
    )
    hint = "Choose a target, an amount and where the manager dies, then click Start transfer."
    message = ui.classed(PANEL_CLASS, "message", widgets.HTML(ui.message(PANEL_CLASS, hint)))
    gap = widgets.Layout(margin="0 2.5em 0 0")  # between the two tables side by side
    views = [
        ui.classed(PANEL_CLASS, css, widgets.HTML(layout=gap))
        for css in ("money", "events", "statuses")
    ]
    children = [
        widgets.HBox([target, amount]),
        widgets.HBox([step, point]),
        widgets.HBox([start, resume]),
        message,
    ]
    panel = TransferPanel(
        bank=bank,
        target=target,
        amount=amount,
        crash_step=step,
        crash_point=point,
        start_button=start,
        resume_button=resume,
        message=message,
        money=views[0],
        events=views[1],
        statuses=views[2],
        widget=ui.root(
            PANEL_CLASS, [*children, widgets.HBox([views[0], views[2]]), views[1]], css=STYLE
        ),
    )
    start.on_click(lambda _button: panel.start_transfer())
    resume.on_click(lambda _button: panel.resume())
    panel.refresh()
    return panel
