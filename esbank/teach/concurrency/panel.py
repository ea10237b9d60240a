"""The race panel of notebook 02: two tellers, a schedule, "Run race", and what happened.

The ``*_html`` renderers are pure; :func:`race_panel` only wires ipywidgets to them and to
:func:`~esbank.teach.concurrency.scenario.race_scenario`. Every run races on a fresh
deterministic account, so one schedule always gives one log.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import ipywidgets as widgets

from esbank.domain.errors import EsbankError
from esbank.domain.money import format_cents, parse_cents
from esbank.eventstore.errors import ConcurrencyConflict
from esbank.teach import ui
from esbank.teach.concurrency.scenario import TELLER_ACTIONS, race_scenario
from esbank.teach.race import EVENT_COLUMNS, LOG_COLUMNS, RaceResult

PANEL_CLASS = "esbank-race"
STYLE = ui.table_style(
    PANEL_CLASS,
    cells="padding: 0.15em 0.5em; text-align: left;",
    extra=".esbank-race-conflict {background: #fdecea;} .esbank-race-accepted "
    "{background: #e8f5e9;}" + ui.OUTCOME_CSS,
)
PRESETS: tuple[tuple[str, str], ...] = (
    ("choose a schedule…", ""),
    ("AAABBB: A finishes before B loads (no race)", "AAABBB"),
    ("ABABAB: both load, A appends first", "ABABAB"),
    ("AABBBA: B runs while A is deciding", "AABBBA"),
    ("BABABA: both load, B appends first", "BABABA"),
)


# -- the pure renderers ----------------------------------------------------------------------
def steps_html(result: RaceResult | None) -> str:
    """The race's steps as an HTML table; conflicts and accepted appends are highlighted."""
    if result is None:
        return '<div class="esbank-race-steps"><b>Steps</b>: no race run yet</div>'
    row_css = [
        "esbank-race-conflict"
        if isinstance(s.error, ConcurrencyConflict)
        else "esbank-race-accepted"
        if s.action == "append"
        else ""
        for s in result.steps
    ]
    table = ui.table(
        LOG_COLUMNS,
        result.log.itertuples(index=False),
        css="esbank-race-steps-table",
        row_css=row_css,
    )
    caption = f"<b>Steps</b> of schedule {html.escape(result.schedule)}"
    if "+" in result.schedule:
        caption += " (after +: the steps that finished the race)"
    return f'<div class="esbank-race-steps">{caption}{table}</div>'


def final_html(result: RaceResult | None) -> str:
    """Each teller's result, the account's events and its final state, as HTML."""
    if result is None:
        return '<div class="esbank-race-final"><b>Final state</b>: no race run yet</div>'
    lines = "".join(
        f'<div class="{"esbank-accepted" if t.status == "accepted" else "esbank-rejected"}">'
        f"{html.escape(t.summary())}</div>"
        for t in result.tellers.values()
    )
    events = ui.table(
        EVENT_COLUMNS, result.events.itertuples(index=False), css="esbank-race-events-table"
    )
    state = result.state
    return (
        f'<div class="esbank-race-final"><b>Tellers</b>{lines}'
        f"<b>Events of the account</b> (the table, oldest first){events}"
        f"<b>Final state</b>: balance {state.balance} cents ({format_cents(state.balance)}) "
        f"at version {state.version}</div>"
    )


def message_html(result: RaceResult | None, error: EsbankError | None = None) -> str:
    """One line on the last run: how many conflicts, or why nothing ran."""
    if error is not None:
        return ui.refusal(PANEL_CLASS, type(error).__name__, str(error))
    if result is None:
        return ui.message(
            PANEL_CLASS,
            "Pick what each teller does and a schedule (whose step comes next, e.g. ABABAB), "
            "then click Run race.",
        )
    text = f"ran {len(result.steps)} steps: {len(result.conflicts)} concurrency conflict(s)"
    return ui.message(PANEL_CLASS, html.escape(text))


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class RacePanel(ui.Shell):
    """The widgets of one race panel; display ``.widget`` (or the panel itself)."""

    label: ClassVar[str] = "Race panel"

    opening: widgets.Text
    a_action: widgets.Dropdown
    a_amount: widgets.Text
    b_action: widgets.Dropdown
    b_amount: widgets.Text
    preset: widgets.Dropdown
    schedule: widgets.Text
    retries: widgets.BoundedIntText
    run_button: widgets.Button
    message: widgets.HTML
    steps: widgets.HTML
    final: widgets.HTML
    widget: widgets.VBox
    results: list[RaceResult] = field(default_factory=list)
    """Every race run from this panel, oldest first."""
    errors: list[EsbankError] = field(default_factory=list)

    @property
    def last(self) -> RaceResult | None:
        """The newest race, or None before the first run."""
        return self.results[-1] if self.results else None

    def run(self) -> RaceResult | None:
        """Race with the current input values, as clicking "Run race" does.

        A bad input (an amount of 0 or 12.5, an unknown teller in the schedule) is shown as ❌ with
        its message, and the tables are cleared; nothing is raised.
        """
        result: RaceResult | None = None
        error: EsbankError | None = None
        try:
            result = race_scenario(
                opening_balance=parse_cents(self.opening.value, "opening balance"),
                a=(self.a_action.value, parse_cents(self.a_amount.value, "A's amount")),
                b=(self.b_action.value, parse_cents(self.b_amount.value, "B's amount")),
                schedule=self.schedule.value,
                retries=self.retries.value,
            )
        except EsbankError as exc:
            error = exc
            self.errors.append(exc)
        else:
            self.results.append(result)
        self.message.value = message_html(result, error)
        self.steps.value = steps_html(result)
        self.final.value = final_html(result)
        return result

    def snapshot_html(self) -> str:
        """The last run's inputs, steps and final state as one static HTML block."""
        inputs = (
            f'<div class="esbank-race-inputs"><b>Inputs</b>: opening balance '
            f"{html.escape(self.opening.value)} cents; A {html.escape(self.a_action.value)}s "
            f"{html.escape(self.a_amount.value)} cents; B {html.escape(self.b_action.value)}s "
            f"{html.escape(self.b_amount.value)} cents; "
            f"schedule {html.escape(self.schedule.value)!s}; "
            f"retries {self.retries.value}</div>"
        )
        return ui.snapshot(
            PANEL_CLASS,
            STYLE,
            inputs,
            self.message.value,
            steps_html(self.last),
            final_html(self.last),
        )

    def __repr__(self) -> str:
        return f"RacePanel(runs={len(self.results)}, schedule={self.schedule.value!r})"


def _teller(name: str, action: str, amount: int) -> tuple[widgets.Dropdown, widgets.Text]:
    """The two inputs of teller ``name``: what it does, and how many cents."""
    narrow = widgets.Layout(width="16em")
    lower = name.lower()
    return (
        ui.classed(
            PANEL_CLASS,
            f"{lower}-action",
            widgets.Dropdown(
                options=TELLER_ACTIONS, value=action, description=f"Teller {name}", layout=narrow
            ),
        ),
        ui.classed(
            PANEL_CLASS,
            f"{lower}-amount",
            widgets.Text(value=str(amount), description="amount (¢)", layout=narrow),
        ),
    )


def _inputs(
    opening_balance: int, schedule: str, retries: int
) -> tuple[widgets.Text, widgets.Dropdown, widgets.Text, widgets.BoundedIntText]:
    """The opening balance, the preset schedules, the schedule and the retries."""
    wide = widgets.Layout(width="32em")
    return (
        ui.classed(
            PANEL_CLASS,
            "opening",
            widgets.Text(value=str(opening_balance), description="Opening (¢)", layout=wide),
        ),
        ui.classed(
            PANEL_CLASS,
            "preset",
            widgets.Dropdown(options=PRESETS, value="", description="Presets", layout=wide),
        ),
        ui.classed(
            PANEL_CLASS,
            "schedule",
            widgets.Text(
                value=schedule,
                description="Schedule",
                placeholder="whose step comes next, e.g. ABABAB",
                layout=wide,
            ),
        ),
        ui.classed(
            PANEL_CLASS,
            "retries",
            widgets.BoundedIntText(value=retries, min=0, max=5, description="Retries", layout=wide),
        ),
    )


def race_panel(
    *,
    opening_balance: int = 10_000,
    a: tuple[str, int] = ("withdraw", 7_000),
    b: tuple[str, int] = ("withdraw", 5_000),
    schedule: str = "ABABAB",
    retries: int = 0,
) -> RacePanel:
    """Build a race panel: two tellers, a schedule, a "Run race" button and the results.

    Every run races on a fresh deterministic account, so one schedule always gives one log.
    """
    opening, preset, schedule_box, retries_box = _inputs(opening_balance, schedule, retries)
    teller_a, teller_b = _teller("A", *a), _teller("B", *b)
    run = ui.button(
        PANEL_CLASS,
        "run",
        "Run race",
        "Run both tellers on a fresh account, one step at a time, in schedule order",
        "primary",
    )
    views = {"message": message_html, "steps": steps_html, "final": final_html}
    message, steps, final = (
        ui.classed(PANEL_CLASS, name, widgets.HTML(value=render(None)))
        for name, render in views.items()
    )
    rows = [opening, widgets.HBox(list(teller_a)), widgets.HBox(list(teller_b)), preset]
    panel = RacePanel(
        opening=opening,
        a_action=teller_a[0],
        a_amount=teller_a[1],
        b_action=teller_b[0],
        b_amount=teller_b[1],
        preset=preset,
        schedule=schedule_box,
        retries=retries_box,
        run_button=run,
        message=message,
        steps=steps,
        final=final,
        widget=ui.root(
            PANEL_CLASS, [*rows, schedule_box, retries_box, run, message, steps, final], css=STYLE
        ),
    )
    run.on_click(lambda _button: panel.run())
    preset.observe(_preset_to_schedule(schedule_box), names="value")
    return panel


def _preset_to_schedule(schedule: widgets.Text) -> Callable[[dict[str, Any]], None]:
    def copy(change: dict[str, Any]) -> None:
        if change["new"]:
            schedule.value = change["new"]

    return copy
