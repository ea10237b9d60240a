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
from esbank.domain.arguments import require_aware, require_int, require_uuid
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
@dataclass(frozen=True, slots=True)
class _Stream:
    """What the panel reads once per account: the events, the history and the instants."""

    records: list[RecordedEvent]
    history: pd.DataFrame
    instants: list[datetime]
    time_versions: dict[datetime, int]


def _read_stream(bank: Bank, account_id: UUID, extra: Sequence[datetime]) -> _Stream:
    """The account's stream, its history, and the instants the time slider offers (each
    event's time plus ``extra``) with the version each one reaches."""
    history = bank.history(account_id)  # refuses an account with no events, saying so
    records = bank.store.read_stream(account_id)
    instants = sorted({r.recorded_at for r in records} | set(extra))
    versions = {t: bank.store.version_at(account_id, t) for t in instants}
    return _Stream(records, history, instants, versions)


def _time_options(instants: Sequence[datetime]) -> list[tuple[str, datetime]]:
    return [(format_instant(t), t) for t in instants]


@dataclass(eq=False, repr=False)
class TimeTravelPanel(ui.Shell):
    """The widgets of one time-travel panel; display ``.widget`` (or the panel itself).

    ``version`` and ``time`` are the two controls; the last one moved decides what is shown,
    and the other follows it. Version 0 is the account before its first event. With more
    than one account, ``account`` switches between them and both sliders start again within
    the new account's range.
    """

    label: ClassVar[str] = "Time-travel panel"

    bank: Bank
    account_id: UUID
    stream: _Stream
    extra_times: tuple[datetime, ...]
    account: widgets.Dropdown | None
    version: widgets.IntSlider
    time: widgets.SelectionSlider
    instant: widgets.HTML
    play: widgets.Play
    state: widgets.HTML
    chart: widgets.Image
    widget: widgets.VBox
    point: PointInTime | None = None
    _syncing: bool = field(default=False)

    @property
    def records(self) -> list[RecordedEvent]:
        """The shown account's events, oldest first (read when the account was chosen)."""
        return self.stream.records

    @property
    def history(self) -> pd.DataFrame:
        """``Bank.history`` of the shown account."""
        return self.stream.history

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
        matching = [t for t in self.times if self.stream.time_versions[t] == version]
        if matching:
            self._set(self.time, matching[-1] if version == 0 else matching[0])
        return point

    def show_time(self, instant: datetime) -> PointInTime:
        """Show the state as of ``instant`` (what moving the time slider does); the version
        slider follows, to 0 when the account did not exist yet."""
        point = point_in_time(self.bank, self.account_id, as_of=instant, records=self.records)
        self._render(point)
        self._set(self.version, point.version)
        return point

    def show_account(self, account_id: UUID) -> PointInTime:
        """Show another account (what the account menu does): read its stream, set both
        sliders to its range, and show its newest version."""
        stream = _read_stream(self.bank, account_id, self.extra_times)
        n = len(stream.records)
        self._syncing = True
        try:
            self.account_id, self.stream = account_id, stream
            for control in (self.version, self.play):  # widen, move, then narrow: never
                control.max = max(n, control.max)  # a value outside the range in between
            self.version.value = n  # the play button follows through its link
            for control in (self.version, self.play):
                control.max = n
            self.time.options = _time_options(stream.instants)
            self.time.value = stream.instants[-1]
            if self.account is not None and self.account.value != account_id:
                self.account.value = account_id
        finally:
            self._syncing = False
        return self.show_version(n)

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
        self.instant.value = instant_html(change["new"])
        if not self._syncing:
            self.show_time(change["new"])

    def _on_account(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.show_account(change["new"])

    def __repr__(self) -> str:
        return (
            f"TimeTravelPanel(account={self.account_id}, version={self._current().version} "
            f"of {len(self.records)})"
        )


def instant_html(instant: datetime | None) -> str:
    """The time slider's value, written out whole beside it (the slider's own readout is
    too narrow for a date and a time)."""
    shown = "" if instant is None else html.escape(format_instant(instant))
    return f'<span class="{PANEL_CLASS}-instant-text">{shown}</span>'


def _sliders(
    instants: Sequence[datetime], start: int, n: int
) -> tuple[widgets.IntSlider, widgets.SelectionSlider, widgets.HTML, widgets.Play]:
    """The version slider (0 = before the first event), the time slider with its value
    written out beside it, and the Play button that steps the version."""
    version = widgets.IntSlider(
        value=start, min=0, max=n, step=1, description="Version", continuous_update=False,
        layout=widgets.Layout(width="40em"),
    )  # fmt: skip
    time = widgets.SelectionSlider(
        options=_time_options(instants),
        value=instants[-1],
        description="Recorded by",
        readout=False,
        continuous_update=False,
        layout=widgets.Layout(width="30em"),
        style={"description_width": "initial"},
    )
    instant = widgets.HTML(instant_html(instants[-1]))
    play = widgets.Play(
        value=start, min=0, max=n, step=1, interval=800, description="Replay the stream",
        tooltip="Replay the stream: step the version slider from 0 (before the first event) "
        "to the newest version",
    )  # fmt: skip
    widgets.link((play, "value"), (version, "value"))
    for control, css in (
        (version, "version"),
        (time, "time"),
        (instant, "instant"),
        (play, "play"),
    ):
        ui.classed(PANEL_CLASS, css, control)
    return version, time, instant, play


def _account_menu(bank: Bank, account_id: UUID, accounts: Sequence[UUID]) -> widgets.Dropdown:
    """A menu of ``accounts`` (the shown one first if missing), labelled by owner."""
    ids = list(dict.fromkeys([account_id, *accounts]))
    for i, other in enumerate(ids):
        require_uuid(f"accounts[{i}]", other)
    options = [(f"{bank.load(a).owner} ({str(a)[-4:]})", a) for a in ids]
    menu = widgets.Dropdown(options=options, value=account_id, description="Account")
    return ui.classed(PANEL_CLASS, "account", menu)


def time_travel_panel(
    bank: Bank,
    account_id: UUID,
    *,
    accounts: Sequence[UUID] = (),
    times: Sequence[datetime] | None = None,
    version: int | None = None,
) -> TimeTravelPanel:
    """Build a time-travel panel on one account of ``bank``.

    The time slider offers the time of each event plus the instants in ``times`` (e.g. one
    before the first event, or the end of each day); ``version`` is the one shown first
    (default: the newest; 0 is the account before its first event). ``accounts`` adds a menu
    to switch to other accounts. The stream is read once per account chosen: build a new
    panel to see events appended later.
    """
    extra = tuple(
        require_aware(f"times[{i}]", t).astimezone(UTC) for i, t in enumerate(times or ())
    )
    stream = _read_stream(bank, account_id, extra)
    n = len(stream.records)
    start = require_int("version", n if version is None else version, minimum=0, maximum=n)
    menu = _account_menu(bank, account_id, accounts) if accounts else None
    version_slider, time_slider, instant, play = _sliders(stream.instants, start, n)
    state = ui.classed(PANEL_CLASS, "state-view", widgets.HTML())
    chart = ui.chart(PANEL_CLASS)
    controls = [widgets.HBox([play, version_slider]), widgets.HBox([time_slider, instant])]
    panel = TimeTravelPanel(
        bank=bank,
        account_id=account_id,
        stream=stream,
        extra_times=extra,
        account=menu,
        version=version_slider,
        time=time_slider,
        instant=instant,
        play=play,
        state=state,
        chart=chart,
        widget=ui.root(
            PANEL_CLASS, [*([menu] if menu else []), *controls, state, chart], css=STYLE
        ),
    )
    version_slider.observe(panel._on_version, names="value")
    time_slider.observe(panel._on_time, names="value")
    if menu is not None:
        menu.observe(panel._on_account, names="value")
    panel.show_version(start)
    return panel
