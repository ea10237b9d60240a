"""The time-travel panel of notebook 03: move a slider through an account's history.

:func:`point_html` renders a :class:`~esbank.teach.replay.time_travel.PointInTime` and the
stream; :func:`time_travel_panel` only wires ipywidgets to it and to ``point_in_time``.
Callbacks write widget traits, never stdout.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import ipywidgets as widgets
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.app.bank import Bank
from esbank.domain.account import BankAccount, evolve
from esbank.domain.arguments import require_aware, require_int
from esbank.domain.money import format_cents
from esbank.eventstore.types import RecordedEvent
from esbank.teach import ui
from esbank.teach.describe import account_status
from esbank.teach.replay.time_travel import (
    PointInTime,
    describe,
    format_instant,
    plot_time_travel,
    point_in_time,
)

PANEL_CLASS = "esbank-time-travel"
STYLE = ui.table_style(PANEL_CLASS, extra=".esbank-time-travel-later td {color: #999;}")
"""Scoped CSS for the panel's tables (only under the panel's classes)."""
STREAM_COLUMNS = [
    "replayed",
    "version",
    "recorded at",
    "event",
    "change (cents)",
    "balance after (cents)",
]


def _stream_rows(
    point: PointInTime, records: Sequence[RecordedEvent]
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The stream's rows (events replayed marked ✓) and each row's CSS class."""
    rows: list[tuple[Any, ...]] = []
    css: list[str] = []
    state = BankAccount.new(point.account_id)
    for r in records:
        before = state.balance
        state = evolve(state, r.event)
        replayed = r.version <= point.version
        css.append(f"{PANEL_CLASS}-{'replayed' if replayed else 'later'}")
        rows.append(
            (
                "✓" if replayed else "later",
                r.version,
                format_instant(r.recorded_at),
                r.event_type,
                f"{state.balance - before:+,}",
                f"{state.balance:,}",
            )
        )
    return rows, css


def point_html(point: PointInTime, records: Sequence[RecordedEvent]) -> str:
    """The state at ``point`` and the stream, events replayed marked ✓, later ones greyed."""
    summary = f"<p><b>{html.escape(describe(point))}</b></p>"
    state_table = ""
    if point.state is not None:
        s = point.state
        state_table = ui.table(
            ["owner", "balance", "balance (cents)", "version", "status"],
            [(s.owner, format_cents(s.balance), s.balance, s.version, account_status(s))],
        )
    rows, css = _stream_rows(point, records)
    stream_table = ui.table(STREAM_COLUMNS, rows, row_css=css)
    return (
        f'<div class="{PANEL_CLASS}-state">{summary}{state_table}'
        f"<b>The stream</b>, oldest first{stream_table}</div>"
    )


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(eq=False, repr=False)
class TimeTravelPanel(ui.Shell):
    """The widgets of one time-travel panel; display ``.widget`` (or the panel itself).

    ``version`` and ``time`` are the two controls; the last one moved decides what is shown,
    and the other follows it.
    """

    label: ClassVar[str] = "Time-travel panel"

    bank: Bank
    account_id: UUID
    records: list[RecordedEvent]
    history: pd.DataFrame
    version: widgets.IntSlider
    time: widgets.SelectionSlider
    play: widgets.Play
    state: widgets.HTML
    chart: widgets.Image
    widget: widgets.VBox
    time_versions: dict[datetime, int]
    """The version each instant of the time slider reaches (``store.version_at``)."""
    point: PointInTime | None = None
    _syncing: bool = field(default=False)

    @property
    def times(self) -> tuple[datetime, ...]:
        """The instants the time slider offers, oldest first."""
        return tuple(value for _, value in self.time.options)

    def show_version(self, version: int) -> PointInTime:
        """Show the state as of ``version`` (what moving the version slider does)."""
        point = point_in_time(
            self.bank, self.account_id, as_of_version=version, records=self.records
        )
        self._render(point)
        matching = [t for t in self.times if self.time_versions[t] == version]
        if matching:
            self._set(self.time, matching[0])
        return point

    def show_time(self, instant: datetime) -> PointInTime:
        """Show the state as of ``instant`` (what moving the time slider does)."""
        point = point_in_time(self.bank, self.account_id, as_of=instant, records=self.records)
        self._render(point)
        if point.version >= 1:
            self._set(self.version, point.version)
        return point

    def summary(self) -> str:
        """The line the panel shows, as plain text."""
        return describe(self._current())

    def snapshot_html(self) -> str:
        """The state at the chosen point and the whole stream as HTML: the panel, frozen."""
        return ui.snapshot(PANEL_CLASS, STYLE, point_html(self._current(), self.records))

    def figure(self, *, ax: Axes | None = None, title: str | None = None) -> Figure:
        """The balance chart with the marker at the version shown."""
        return plot_time_travel(self.history, self._current().version, ax=ax, title=title)

    def _current(self) -> PointInTime:
        if self.point is None:
            self.show_version(self.version.value)
        assert self.point is not None
        return self.point

    def _set(self, control: widgets.ValueWidget, value: Any) -> None:
        self._syncing = True
        try:
            control.value = value
        finally:
            self._syncing = False

    def _render(self, point: PointInTime) -> None:
        self.point = point
        self.state.value = point_html(point, self.records)
        self.chart.value = ui.figure_png(self.figure())

    def _on_version(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.show_version(change["new"])

    def _on_time(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.show_time(change["new"])

    def __repr__(self) -> str:
        return (
            f"TimeTravelPanel(account={self.account_id}, version={self._current().version} "
            f"of {len(self.records)})"
        )


def _sliders(
    instants: Sequence[datetime], start: int, n: int
) -> tuple[widgets.IntSlider, widgets.SelectionSlider, widgets.Play]:
    """The version slider, the time slider and the Play button that steps the version."""
    wide = widgets.Layout(width="40em")
    version = widgets.IntSlider(
        value=start, min=1, max=n, step=1, description="Version", continuous_update=False,
        layout=wide,
    )  # fmt: skip
    time = widgets.SelectionSlider(
        options=[(format_instant(t), t) for t in instants],
        value=instants[-1],
        description="Recorded by",
        continuous_update=False,
        layout=wide,
        style={"description_width": "initial"},
    )
    play = widgets.Play(
        value=start, min=1, max=n, step=1, interval=800, description="Replay the stream",
        tooltip="Replay the stream: step the version slider from 1 to the newest version",
    )  # fmt: skip
    widgets.link((play, "value"), (version, "value"))
    for control, css in ((version, "version"), (time, "time"), (play, "play")):
        ui.classed(PANEL_CLASS, css, control)
    return version, time, play


def time_travel_panel(
    bank: Bank,
    account_id: UUID,
    *,
    times: Sequence[datetime] | None = None,
    version: int | None = None,
) -> TimeTravelPanel:
    """Build a time-travel panel on one account of ``bank``.

    The time slider offers the time of each event plus the instants in ``times`` (e.g. one
    before the first event, or the end of each day); ``version`` is the one shown first
    (default: the newest). The stream is read once: build a new panel to see events appended
    later.
    """
    history = bank.history(account_id)  # refuses an account with no events, saying so
    records = bank.store.read_stream(account_id)
    n = len(records)
    extra = [require_aware(f"times[{i}]", t) for i, t in enumerate(times or ())]
    instants = sorted({r.recorded_at for r in records} | {t.astimezone(UTC) for t in extra})
    start = require_int("version", n if version is None else version, minimum=1, maximum=n)
    version_slider, time_slider, play = _sliders(instants, start, n)
    state = ui.classed(PANEL_CLASS, "state-view", widgets.HTML())
    chart = ui.chart(PANEL_CLASS)
    panel = TimeTravelPanel(
        bank=bank,
        account_id=account_id,
        records=records,
        history=history,
        version=version_slider,
        time=time_slider,
        play=play,
        state=state,
        chart=chart,
        widget=ui.root(
            PANEL_CLASS,
            [widgets.HBox([play, version_slider]), time_slider, state, chart],
            css=STYLE,
        ),
        time_versions={t: bank.store.version_at(account_id, t) for t in instants},
    )
    version_slider.observe(panel._on_version, names="value")
    time_slider.observe(panel._on_time, names="value")
    panel.show_version(start)
    return panel
