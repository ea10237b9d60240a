"""A time-travel panel: move a slider through an account's history and see the state back then.

The logic lives in plain functions: :func:`point_in_time` loads the state as of a version or an
instant (through ``Bank.load_with_report``), :func:`describe` and :func:`point_html` render it,
:func:`plot_time_travel` draws the balance chart with a marker at the chosen version.
:func:`time_travel_panel` only wires ipywidgets to them; callbacks write widget traits, never
stdout.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import ipywidgets as widgets
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.app.bank import Bank
from esbank.app.snapshots import LoadReport
from esbank.domain.account import BankAccount, evolve
from esbank.domain.errors import AccountNotOpen, InvalidArgument
from esbank.domain.money import format_cents
from esbank.eventstore.types import RecordedEvent
from esbank.teach.charts import plot_balance

PANEL_CLASS = "esbank-time-travel"
STYLE = (
    "<style>"
    ".esbank-time-travel table, .esbank-time-travel-snapshot table "
    "{border-collapse: collapse; margin: 0.3em 0 0.8em 0; font-size: 0.9em;}"
    ".esbank-time-travel th, .esbank-time-travel td, .esbank-time-travel-snapshot th, "
    ".esbank-time-travel-snapshot td {border: 1px solid #ccc; padding: 0.15em 0.5em;}"
    ".esbank-time-travel-later td {color: #999;}"
    "</style>"
)
"""Scoped CSS for the panel's tables (only under the panel's classes)."""
CHART_DPI = 80


def format_instant(instant: datetime) -> str:
    """An instant as UTC text to the second, e.g. ``2026-01-06 10:05:00 UTC``."""
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True, slots=True)
class PointInTime:
    """An account as it was at a chosen version or instant, and how that state was obtained.

    ``state`` and ``report`` are None when nothing had been recorded by ``as_of`` yet
    (``version`` is then 0).
    """

    account_id: UUID
    version: int
    stream_version: int
    state: BankAccount | None
    report: LoadReport | None
    as_of: datetime | None = None
    next_event: RecordedEvent | None = None
    """The first event not replayed (recorded later), or None at the newest version."""


# -- the functional core -------------------------------------------------------------------
def _check_instant(name: str, value: object) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidArgument(
            f"{name} must be a timezone-aware datetime, got {value!r}; "
            "e.g. datetime(2026, 1, 6, 10, 5, tzinfo=UTC)"
        )
    return value


def point_in_time(
    bank: Bank,
    account_id: UUID,
    *,
    as_of_version: int | None = None,
    as_of: datetime | None = None,
    records: Sequence[RecordedEvent] | None = None,
) -> PointInTime:
    """Load ``account_id`` as of a version or an instant (give one of them, or neither for now).

    The state comes from ``bank.load_with_report``. An instant before the account's first event
    gives a ``PointInTime`` with no state instead of an error. ``records`` (the whole stream, if
    already read) saves reading it again.
    """
    if as_of_version is not None and as_of is not None:
        raise InvalidArgument("give as_of_version or as_of, not both")
    if as_of is not None:
        _check_instant("as_of", as_of)
    stream = list(records) if records is not None else bank.store.read_stream(account_id)
    if not stream:
        raise AccountNotOpen(account_id, "time travel")
    if as_of is not None and bank.store.version_at(account_id, as_of) == 0:
        return PointInTime(account_id, 0, len(stream), None, None, as_of, stream[0])
    state, report = bank.load_with_report(account_id, as_of_version=as_of_version, as_of=as_of)
    later = stream[state.version] if state.version < len(stream) else None
    return PointInTime(account_id, state.version, len(stream), state, report, as_of, later)


def _status(state: BankAccount) -> str:
    if state.is_closed:
        return "closed"
    return "open" if state.is_open else "not opened"


def _stop_rule(point: PointInTime) -> str:
    """Why a load as of an instant stopped where it did."""
    later = point.next_event
    if later is None:
        return "every event was recorded by then"
    return (
        f"the stream stops before v{later.version} ({later.event_type}), recorded later at "
        f"{format_instant(later.recorded_at)}"
    )


def describe(point: PointInTime) -> str:
    """One plain-text line: what was asked, the version reached, the state and the replay."""
    if point.as_of is not None:
        asked = f"As of {format_instant(point.as_of)}: {_stop_rule(point)}"
        if point.state is None or point.report is None:
            return f"{asked}, so no event had been recorded and the account did not exist yet."
        asked += f", so version {point.version} of {point.stream_version}"
    else:
        asked = f"As of version {point.version} of {point.stream_version}"
    state, report = point.state, point.report
    assert state is not None and report is not None
    start = (
        f"on top of the snapshot at v{report.snapshot_version}"
        if report.snapshot_version is not None
        else "from the first event"
    )
    return (
        f"{asked}: balance {format_cents(state.balance)} ({state.balance} cents), "
        f"{_status(state)}; {report.events_replayed} event(s) replayed {start}."
    )


def _table(headers: Sequence[str], rows: Sequence[tuple[str, Sequence[Any]]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        (f'<tr class="{css}">' if css else "<tr>")
        + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells)
        + "</tr>"
        for css, cells in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def point_html(point: PointInTime, records: Sequence[RecordedEvent]) -> str:
    """The state at ``point`` and the stream, events replayed marked ✓, later ones greyed."""
    summary = f"<p><b>{html.escape(describe(point))}</b></p>"
    state_table = ""
    if point.state is not None:
        s = point.state
        state_table = _table(
            ["owner", "balance", "balance (cents)", "version", "status"],
            [("", (s.owner, format_cents(s.balance), s.balance, s.version, _status(s)))],
        )
    balance = 0
    rows: list[tuple[str, Sequence[Any]]] = []
    state = BankAccount.new(point.account_id)
    for r in records:
        state = evolve(state, r.event)
        before, balance = balance, state.balance
        replayed = r.version <= point.version
        rows.append(
            (
                f"{PANEL_CLASS}-{'replayed' if replayed else 'later'}",
                (
                    "✓" if replayed else "later",
                    r.version,
                    format_instant(r.recorded_at),
                    r.event_type,
                    f"{balance - before:+,}",
                    f"{balance:,}",
                ),
            )
        )
    stream_table = _table(
        ["replayed", "version", "recorded at", "event", "change (cents)", "balance after (cents)"],
        rows,
    )
    return (
        f'<div class="{PANEL_CLASS}-state">{summary}{state_table}'
        f"<b>The stream</b>, oldest first{stream_table}</div>"
    )


def plot_time_travel(
    history: pd.DataFrame,
    version: int,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """The balance chart of ``Bank.history`` rows with a marker at ``version``.

    Events after ``version`` are shaded: a load as of that version does not replay them.
    """
    fig = plot_balance(history, ax=ax, title=title if title is not None else "")
    ax = cast(Axes, fig.axes[0] if ax is None else ax)
    versions = history["version"].astype(int).tolist()
    if isinstance(version, bool) or not isinstance(version, int) or version not in [0, *versions]:
        raise InvalidArgument(
            f"version must be 0 (before the first event) or one of the history's versions "
            f"{versions[0]}..{versions[-1]}, got {version!r}"
        )
    if version < versions[-1]:
        ax.axvspan(
            version + 0.5,
            versions[-1] + 0.5,
            color="0.6",
            alpha=0.2,
            zorder=0,
            label="later events: not replayed",
        )
    if version == 0:
        found = "no event had been recorded yet: the account did not exist"
    else:
        balance = int(history.loc[history["version"] == version, "balance"].iloc[0])
        ax.axvline(version, color="tab:red", linestyle="--", linewidth=1)
        ax.plot(
            [version],
            [balance],
            "o",
            markersize=13,
            markerfacecolor="none",
            markeredgecolor="tab:red",
            markeredgewidth=2,
            label=f"as of version {version}: {balance:,} cents",
        )
        found = f"the balance was {balance:,} cents ({format_cents(balance)})"
    ax.legend(loc="upper left", fontsize=8)
    if title is None:
        where = f"As of version {version}" if version else "Before version 1"
        ax.set_title(f"{where} of {versions[-1]}, {found}", fontsize=10)
    return fig


def figure_png(fig: Figure, *, dpi: int = CHART_DPI) -> bytes:
    """The figure as PNG bytes (for an ``ipywidgets.Image``); the figure is left as it is."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(eq=False, repr=False)
class TimeTravelPanel:
    """The widgets of one time-travel panel; display ``.widget`` (or the panel itself).

    ``version`` and ``time`` are the two controls; the last one moved decides what is shown,
    and the other follows it.
    """

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
        body = point_html(self._current(), self.records)
        return f'<div class="{PANEL_CLASS}-snapshot">{STYLE}{body}</div>'

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
        fig = self.figure()
        self.chart.value = figure_png(fig)

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

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Time-travel panel (run the cell in Jupyter to use it)"
        return data


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
    extra = list(times) if times is not None else []
    for i, instant in enumerate(extra):
        _check_instant(f"times[{i}]", instant)
    instants = sorted({r.recorded_at for r in records} | {t.astimezone(UTC) for t in extra})
    start = n if version is None else version
    if isinstance(start, bool) or not isinstance(start, int) or not 1 <= start <= n:
        raise InvalidArgument(f"version must be an int from 1 to {n}, got {version!r}")
    wide = widgets.Layout(width="40em")
    version_slider = widgets.IntSlider(
        value=start, min=1, max=n, step=1, description="Version", continuous_update=False,
        layout=wide,
    )  # fmt: skip
    time_slider = widgets.SelectionSlider(
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
    widgets.link((play, "value"), (version_slider, "value"))
    state = widgets.HTML()
    chart = widgets.Image(format="png")
    for control, css in (
        (version_slider, "version"),
        (time_slider, "time"),
        (play, "play"),
        (state, "state-view"),
        (chart, "chart"),
    ):
        control.add_class(f"{PANEL_CLASS}-{css}")
    root = widgets.VBox(
        [
            widgets.HTML(STYLE),
            widgets.HBox([play, version_slider]),
            time_slider,
            state,
            chart,
        ]
    )
    root.add_class(PANEL_CLASS)
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
        widget=root,
        time_versions={t: bank.store.version_at(account_id, t) for t in instants},
    )
    version_slider.observe(panel._on_version, names="value")
    time_slider.observe(panel._on_time, names="value")
    panel.show_version(start)
    return panel
