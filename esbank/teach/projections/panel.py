"""The projector panel of notebook 06: run a ``Projector`` one batch at a time and watch the
read models follow.

The ``*_html`` renderers are pure; :func:`projector_panel` only wires ipywidgets to them, to
``Projector.step`` and to ``Bank.handle``. Callbacks write to widget traits, never to stdout.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import ClassVar
from uuid import UUID

import ipywidgets as widgets
import pandas as pd

from esbank.app.bank import Bank
from esbank.app.projections import Projector
from esbank.app.read_models import Queries
from esbank.domain.arguments import require_int
from esbank.domain.commands import DepositMoney
from esbank.domain.errors import EsbankError, InvalidArgument
from esbank.domain.money import format_cents
from esbank.teach import ui
from esbank.teach.projections.checkpoints import LAG_COLUMNS, lag_rows

PANEL_CLASS = "esbank-projector"
STYLE = ui.table_style(
    PANEL_CLASS, extra=".esbank-behind {color: #a40000;} .esbank-caught-up {color: #1b5e20;}"
)
"""Scoped CSS for the panel's tables (only under the panel's classes)."""


# -- the pure renderers ----------------------------------------------------------------------
def lag_html(lags: pd.DataFrame) -> str:
    """Render :func:`lag_rows` as a table, with a caught-up / behind line under it."""
    rows = [
        (r.projection, r.checkpoint, r.head, r.events_behind) for r in lags.itertuples(index=False)
    ]
    table = ui.table(LAG_COLUMNS, rows, css=f"{PANEL_CLASS}-lag-table")
    behind = int(lags["events_behind"].max()) if len(lags) else 0
    if behind:
        line = (
            f'<div class="esbank-behind">read models up to {behind} event(s) behind the log: '
            "click 'Project next batch'</div>"
        )
    else:
        line = '<div class="esbank-caught-up">every read model has caught up with the log</div>'
    return f'<div class="{PANEL_CLASS}-lag"><b>Checkpoints</b>{table}{line}</div>'


def balances_html(balances: pd.DataFrame) -> str:
    """Render rows of ``account_balances`` (``Queries.top_accounts``) as a table."""
    if balances.empty:
        return (
            f'<div class="{PANEL_CLASS}-balances"><b>Balances</b> (read model): empty, the '
            "projector has not applied any event yet</div>"
        )
    rows = [
        (str(r.aggregate_id), r.owner, format_cents(int(r.balance)), r.version)
        for r in balances.itertuples(index=False)
    ]
    table = ui.table(
        ["account", "owner", "balance", "version"], rows, css=f"{PANEL_CLASS}-balances-table"
    )
    caption = "<b>Balances</b> (read model, largest first)"
    return f'<div class="{PANEL_CLASS}-balances">{caption}{table}</div>'


def statement_html(statement: pd.DataFrame, account_id: UUID | None) -> str:
    """Render one account's rows of ``account_statement`` (``Queries.statement``)."""
    if account_id is None or statement.empty:
        return (
            f'<div class="{PANEL_CLASS}-statement"><b>Statement</b> (read model): no row yet '
            "for this account</div>"
        )
    rows = [
        (r.version, r.position, r.event_type, f"{int(r.change):+,}", format_cents(int(r.balance)))
        for r in statement.itertuples(index=False)
    ]
    headers = ["version", "position", "event_type", "change (¢)", "balance"]
    table = ui.table(headers, rows, css=f"{PANEL_CLASS}-statement-table")
    caption = f"<b>Statement</b> of {html.escape(str(account_id))} (read model)"
    return f'<div class="{PANEL_CLASS}-statement">{caption}{table}</div>'


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class ProjectorPanel(ui.Shell):
    """The widgets of one projector panel; display ``.widget`` (or the panel itself)."""

    label: ClassVar[str] = "Projector panel"

    bank: Bank
    projector: Projector
    queries: Queries
    account_id: UUID | None
    deposit_amount: int
    batch_size: widgets.IntSlider
    step_button: widgets.Button
    deposit_button: widgets.Button
    message: widgets.HTML
    lag: widgets.HTML
    balances: widgets.HTML
    statement: widgets.HTML
    widget: widgets.VBox
    max_rows: int = 10
    messages: list[str] = field(default_factory=list)
    """Every message of this panel, oldest first (the message line shows the newest)."""

    def lags(self) -> pd.DataFrame:
        """Checkpoint, head and events behind per projection, as the panel shows them."""
        return lag_rows(self.projector)

    def project_next_batch(self) -> str:
        """Apply one batch of at most ``batch_size`` events to every projection."""
        results = self.projector.step(max_events=self.batch_size.value)
        applied = ", ".join(f"{r.name} +{r.applied} → {r.checkpoint}" for r in results)
        if all(r.applied == 0 for r in results):
            return self._say("nothing to project: every checkpoint is at the head of the log")
        return self._say(f"projected a batch of up to {self.batch_size.value}: {applied}")

    def deposit(self) -> str:
        """Deposit ``deposit_amount`` cents through the Bank: the log grows, read models not."""
        if self.account_id is None:
            return self._say("no account to deposit into: open one through the Bank first")
        try:
            result = self.bank.handle(DepositMoney(self.account_id, self.deposit_amount))
        except EsbankError as exc:
            return self._say(f"refused ({type(exc).__name__}): {exc}")
        return self._say(
            f"deposited {format_cents(self.deposit_amount)} at position {result.position}; "
            "the read models do not know yet"
        )

    def _say(self, text: str) -> str:
        self.messages.append(text)
        self.message.value = ui.message(PANEL_CLASS, html.escape(text))
        self.refresh()
        return text

    def refresh(self) -> None:
        """Re-read checkpoints and read models and redraw the three views."""
        self.lag.value = lag_html(self.lags())
        self.balances.value = balances_html(self.queries.top_accounts(self.max_rows))
        statement = (
            self.queries.statement(self.account_id)
            if self.account_id is not None
            else pd.DataFrame()
        )
        self.statement.value = statement_html(statement, self.account_id)

    def summary(self) -> str:
        """One line: the checkpoint of each projection and the head of the log."""
        lags = self.lags()
        head = int(lags["head"].iloc[0]) if len(lags) else 0
        parts = ", ".join(
            f"{r.projection} at {r.checkpoint} ({r.events_behind} behind)"
            for r in lags.itertuples(index=False)
        )
        return f"head {head}: {parts}"

    def snapshot_html(self) -> str:
        """The messages, checkpoints and read models as one HTML block: the panel, frozen."""
        lines = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        messages = f"<b>Messages</b>, oldest first<ol>{lines}</ol>" if lines else ""
        return ui.snapshot(
            PANEL_CLASS,
            STYLE,
            messages,
            self.lag.value,
            self.balances.value,
            self.statement.value,
        )

    def __repr__(self) -> str:
        return f"ProjectorPanel({self.summary()})"


def _check(bank: Bank, projector: Projector, **counts: int) -> None:
    """Refuse a projector on another store, or counts that are not ints in range."""
    if projector.store is not bank.store and projector.store.connection is not (
        bank.store.connection
    ):
        raise InvalidArgument(
            "the projector reads another store than the bank writes to; build both on one store"
        )
    minimums = {"deposit_amount": 1, "batch_size": 1, "max_batch": counts["batch_size"]}
    for name, low in {**minimums, "max_rows": 1}.items():
        require_int(name, counts[name], minimum=low)  # batch_size is checked before max_batch


def _controls(
    batch_size: int, max_batch: int, deposit_amount: int
) -> tuple[widgets.IntSlider, widgets.Button, widgets.Button]:
    """The batch-size slider, "Project next batch" and "Deposit"."""
    slider = widgets.IntSlider(
        value=batch_size, min=1, max=max_batch, description="Batch size", continuous_update=False
    )
    step = ui.button(
        PANEL_CLASS,
        "step",
        "Project next batch",
        "Apply the next batch of events (at most Batch size) to every read model",
        "primary",
    )
    deposit = ui.button(
        PANEL_CLASS,
        "deposit",
        f"Deposit {format_cents(deposit_amount)}",
        "Write a deposit through the Bank: the log grows, the read models fall behind",
    )
    return ui.classed(PANEL_CLASS, "batch-size", slider), step, deposit


def projector_panel(
    bank: Bank,
    projector: Projector,
    queries: Queries,
    *,
    account_id: UUID | None = None,
    deposit_amount: int = 1_000,
    batch_size: int = 3,
    max_batch: int = 20,
    max_rows: int = 10,
) -> ProjectorPanel:
    """Build a panel over ``projector`` (which must run on ``bank``'s store).

    "Deposit" writes ``deposit_amount`` cents into ``account_id`` (default: the first account
    in the log) through the Bank; "Project next batch" runs one ``projector.step`` of at most
    the slider's number of events. The statement shown is ``account_id``'s.
    """
    _check(
        bank,
        projector,
        deposit_amount=deposit_amount,
        batch_size=batch_size,
        max_batch=max_batch,
        max_rows=max_rows,
    )
    if account_id is None:
        first = bank.store.read_all(limit=1)
        account_id = first[0].aggregate_id if first else None
    slider, step, deposit = _controls(batch_size, max_batch, deposit_amount)
    hint = "Click a button: deposit to grow the log, project to catch up."
    message = ui.classed(PANEL_CLASS, "message", widgets.HTML(ui.message(PANEL_CLASS, hint)))
    lag, balances, statement = (
        ui.classed(PANEL_CLASS, css, widgets.HTML()) for css in ("lag", "balances", "statement")
    )
    children = [slider, widgets.HBox([step, deposit]), message, lag]
    panel = ProjectorPanel(
        bank=bank,
        projector=projector,
        queries=queries,
        account_id=account_id,
        deposit_amount=deposit_amount,
        batch_size=slider,
        step_button=step,
        deposit_button=deposit,
        message=message,
        lag=lag,
        balances=balances,
        statement=statement,
        widget=ui.root(PANEL_CLASS, [*children, widgets.HBox([balances, statement])], css=STYLE),
        max_rows=max_rows,
    )
    step.on_click(lambda _button: panel.project_next_batch())
    deposit.on_click(lambda _button: panel.deposit())
    panel.refresh()
    return panel
