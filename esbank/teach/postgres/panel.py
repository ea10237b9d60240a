"""The tailing panel of notebook 09: writers insert and commit, a reader tails the log, on a
real PostgreSQL table; a dropdown switches between bigserial and the writer lock."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import ClassVar

import ipywidgets as widgets

from esbank.teach import ui
from esbank.teach.postgres.tailing import STRATEGIES, TailRace, TailState

PANEL_CLASS = "esbank-tailing"
STYLE = ui.table_style(PANEL_CLASS, extra=f".{PANEL_CLASS} .missed {{color: #a40000;}}")
WRITERS = "AB"


def state_html(state: TailState) -> str:
    """The log as the panel shows it: every row, who wrote it, and what the reader did."""
    rows, css = [], []
    pending = {p: w for w, ps in state.pending.items() for p in ps}
    for position, writer in sorted([*state.committed, *((p, w) for p, w in pending.items())]):
        if position in pending:
            status, read = "pending (not visible)", ""
        elif position in state.seen:
            status, read = "committed", "✅ read"
        elif position <= state.checkpoint:
            status, read = "committed", "❌ missed: behind the checkpoint"
        else:
            status, read = "committed", "not read yet"
        rows.append((position, writer, status, read))
        css.append("missed" if read.startswith("❌") else "")
    table = ui.table(["position", "writer", "row", "tailing reader"], rows, row_css=css)
    waiting = f"; waiting for the lock: {', '.join(state.waiting)}" if state.waiting else ""
    caption = (
        f"<b>{html.escape(state.strategy)}</b>: reader checkpoint {state.checkpoint}, "
        f"missed {state.missed or 'none'}{html.escape(waiting)}"
    )
    return f'<div class="{PANEL_CLASS}-table">{caption}{table}</div>'


@dataclass(eq=False, repr=False)
class TailPanel(ui.Shell):
    """The widgets of one tailing panel; display ``.widget`` (or the panel itself)."""

    label: ClassVar[str] = "Tailing panel"

    conninfo: str
    race: TailRace
    strategy: widgets.Dropdown
    buttons: dict[str, widgets.Button]
    message: widgets.HTML
    table: widgets.HTML
    widget: widgets.VBox

    def do(self, step: str) -> str:
        """Run one step (``"A insert"``, ``"B commit"``, ``"poll"``, ``"reset"``); show it."""
        said = self.race.reset() if step == "reset" else self.race.run([step])[0]
        self.message.value = ui.message(PANEL_CLASS, html.escape(said))
        self.refresh()
        return said

    def switch(self, strategy: str) -> None:
        """Start again with another strategy (closes the old race's connections)."""
        self.race.close()
        self.race = TailRace(self.conninfo, strategy, writers=WRITERS)
        self.message.value = ui.message(PANEL_CLASS, f"an empty log ({html.escape(strategy)})")
        self.refresh()

    def refresh(self) -> None:
        self.table.value = STYLE + state_html(self.race.state())

    def snapshot_html(self) -> str:
        """The panel's table as one static HTML block: the panel, frozen."""
        return ui.snapshot(PANEL_CLASS, STYLE, state_html(self.race.state()))

    def close(self) -> None:
        self.race.close()

    def __repr__(self) -> str:
        return f"TailPanel(strategy={self.strategy.value!r})"


def _buttons() -> dict[str, widgets.Button]:
    found = {}
    for writer in WRITERS:
        found[f"{writer} insert"] = ui.button(
            PANEL_CLASS, f"insert-{writer.lower()}", f"{writer} inserts",
            f"writer {writer} inserts a row in its open transaction",
        )  # fmt: skip
        found[f"{writer} commit"] = ui.button(
            PANEL_CLASS, f"commit-{writer.lower()}", f"{writer} commits",
            f"writer {writer} commits: its rows become visible",
        )  # fmt: skip
    found["poll"] = ui.button(
        PANEL_CLASS, "poll", "Reader polls", "read every row after the checkpoint", "info"
    )
    found["reset"] = ui.button(PANEL_CLASS, "reset", "Reset", "start again with an empty log")
    return found


def tail_panel(conninfo: str, *, strategy: str = "bigserial") -> TailPanel:
    """Build the panel on the database at ``conninfo``: two writers, a reader, a strategy."""
    race = TailRace(conninfo, strategy, writers=WRITERS)
    chooser = ui.classed(
        PANEL_CLASS,
        "strategy",
        widgets.Dropdown(options=list(STRATEGIES), value=strategy, description="positions"),
    )
    buttons = _buttons()
    message = ui.classed(PANEL_CLASS, "message", widgets.HTML())
    table = ui.classed(PANEL_CLASS, "table", widgets.HTML())
    rows = [widgets.HBox(list(buttons.values())[:4]), widgets.HBox(list(buttons.values())[4:])]
    root = ui.root(PANEL_CLASS, [chooser, *rows, message, table])
    panel = TailPanel(conninfo, race, chooser, buttons, message, table, root)
    for step, button in buttons.items():
        button.on_click(lambda _b, step=step: panel.do(step))
    chooser.observe(lambda change: panel.switch(change["new"]), names="value")
    panel.message.value = ui.message(PANEL_CLASS, f"an empty log ({html.escape(strategy)})")
    panel.refresh()
    return panel
