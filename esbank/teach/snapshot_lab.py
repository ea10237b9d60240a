"""Snapshots, measured: how much a load replays with and without them, and what they cost.

The numbers that teach are counts, not clocks. A load's *work* is the number of events it
replays (``LoadReport.events_replayed``), which is the same on every machine and every run;
milliseconds are only shown by :func:`time_loads`, for a cell whose output is not compared.

With a snapshot at every multiple of ``every`` (what ``Bank(snapshot_every=every)`` writes when
events arrive one at a time, and what ``Bank.rebuild_snapshots`` writes), a load at version
``v`` starts from the snapshot at ``every * (v // every)`` and replays ``v % every`` events.
The pure functions below use that rule; :func:`replay_cost_table` measures it on a real store,
and the tests check one against the other.

:func:`snapshot_panel` is a thin ipywidgets shell: two sliders (interval and stream length),
a table and a chart, all computed by the pure functions.
"""

from __future__ import annotations

import html
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from esbank.app.bank import Bank
from esbank.app.seeding import seed_history
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.teach.determinism import SequentialIds, StepClock

PANEL_CLASS = "esbank-snapshots"
TRADEOFF_COLUMNS = ["every", "snapshot_writes", "latest_replay", "worst_replay", "mean_replay"]
COST_COLUMNS = ["stream_length", "replayed_without", "replayed_with", "snapshot_version"]
TIMING_COLUMNS = ["stream_length", "ms_without", "ms_with", "speedup"]
EVENT_ID_PREFIX = 0x5
"""Prefix of the event ids of the stores built here (seeded events carry their own ids)."""
STYLE = (
    "<style>"
    ".esbank-snapshots table, .esbank-snapshots-snapshot table "
    "{border-collapse: collapse; margin: 0.3em 0 0.8em 0; font-size: 0.9em;}"
    ".esbank-snapshots th, .esbank-snapshots td, .esbank-snapshots-snapshot th, "
    ".esbank-snapshots-snapshot td {border: 1px solid #ccc; padding: 0.15em 0.6em; "
    "text-align: right;}"
    ".esbank-snapshots tbody th, .esbank-snapshots-snapshot tbody th {text-align: left;}"
    "</style>"
)
"""Scoped CSS for the panel's table (only under the panel's classes)."""


# -- checking arguments ------------------------------------------------------------------------
def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidArgument(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def _every(value: object) -> int | None:
    """``None`` (no snapshots) or an interval >= 1."""
    return None if value is None else _positive("every", value)


def _lengths(lengths: object) -> list[int]:
    if isinstance(lengths, str | bytes) or not isinstance(lengths, Sequence | range):
        raise InvalidArgument(
            f"lengths must be a list of stream lengths, e.g. [10, 100, 1000], got {lengths!r}"
        )
    values = [_positive("each stream length", n) for n in lengths]
    if not values:
        raise InvalidArgument("lengths is empty; give at least one stream length, e.g. [100]")
    return values


# -- the pure model ----------------------------------------------------------------------------
def replayed_per_load(stream_length: int, every: int | None) -> list[int]:
    """Events replayed by a load at each version ``1 … stream_length``, oldest first.

    Snapshots sit at every multiple of ``every`` (``None``: no snapshots, so a load at
    version ``v`` replays all ``v`` events).
    """
    length, interval = _positive("stream_length", stream_length), _every(every)
    versions = range(1, length + 1)
    return list(versions) if interval is None else [v % interval for v in versions]


@dataclass(frozen=True, slots=True)
class Tradeoff:
    """What an interval costs and saves for one stream (a load once after every event)."""

    every: int | None
    stream_length: int
    snapshot_writes: int
    """Snapshot rows written while the stream grew: ``stream_length // every``."""
    latest_replay: int
    """Events the load of the newest state replays: ``stream_length % every``."""
    worst_replay: int
    """The most any load replays: ``min(stream_length, every - 1)``."""
    mean_replay: float
    """Events replayed per load, on average over the loads at versions ``1 … stream_length``."""


def tradeoff(stream_length: int, every: int | None) -> Tradeoff:
    """The cost (snapshot rows) and the saving (events replayed) of ``every`` for one stream."""
    length, interval = _positive("stream_length", stream_length), _every(every)
    if interval is None:
        return Tradeoff(None, length, 0, length, length, (length + 1) / 2)
    full, rest = divmod(length, interval)
    # Each full block of `interval` versions replays 0, 1, …, interval-1; the rest 1 … rest.
    total = full * interval * (interval - 1) // 2 + rest * (rest + 1) // 2
    return Tradeoff(interval, length, full, rest, min(length, interval - 1), total / length)


def snapshot_tradeoff(stream_length: int, intervals: Sequence[int | None]) -> pd.DataFrame:
    """One row per interval: snapshot rows written against events replayed per load.

    ``None`` in ``intervals`` is the row without snapshots (``every`` shows as <NA>).
    """
    rows = [tradeoff(stream_length, every) for every in intervals]
    frame = pd.DataFrame(
        [
            (r.every, r.snapshot_writes, r.latest_replay, r.worst_replay, round(r.mean_replay, 1))
            for r in rows
        ],
        columns=TRADEOFF_COLUMNS,
    )
    return frame.astype(
        {
            "every": "Int64",
            "snapshot_writes": "int64",
            "latest_replay": "int64",
            "worst_replay": "int64",
        }
    )


def fewest_writes_within(stream_length: int, max_replay: int) -> int | None:
    """The interval with the fewest snapshot writes such that no load replays more than
    ``max_replay`` events; ``None`` when the stream is short enough to need no snapshot."""
    length = _positive("stream_length", stream_length)
    if isinstance(max_replay, bool) or not isinstance(max_replay, int) or max_replay < 0:
        raise InvalidArgument(f"max_replay must be an int >= 0, got {max_replay!r}")
    return None if length <= max_replay else max_replay + 1


# -- measured on a real store --------------------------------------------------------------------
def _seeded(length: int, every: int, seed: int) -> tuple[Bank, Bank, UUID]:
    """A fresh in-memory store holding one account of ``length`` events, with its snapshots.

    Returns a bank that uses snapshots, one that does not (same store), and the account.
    """
    store = DuckDBEventStore(
        ":memory:", clock=StepClock(), new_id=SequentialIds(prefix=EVENT_ID_PREFIX)
    )
    seeded = seed_history(store, accounts=1, events_per_account=length, seed=seed, progress=False)
    account = seeded.account_ids[0]
    with_snapshots = Bank(store, snapshot_every=every)
    with_snapshots.rebuild_snapshots(account)
    return with_snapshots, Bank(store), account


def replay_cost_table(lengths: Sequence[int], every: int, *, seed: int = 0) -> pd.DataFrame:
    """Events replayed to load an account of each length, without and with snapshots.

    Measured with ``Bank.load_with_report`` on one seeded account of ``max(lengths)`` events
    whose snapshots sit at every multiple of ``every``. A load as of version ``L`` does the
    same work as loading the newest state of a stream of ``L`` events: the same snapshot is
    the newest at or below ``L``, and the same tail follows it. Deterministic.
    """
    values, interval = _lengths(lengths), _positive("every", every)
    with_snapshots, without, account = _seeded(max(values), interval, seed)
    rows = []
    try:
        for length in values:
            _, plain = without.load_with_report(account, as_of_version=length)
            _, fast = with_snapshots.load_with_report(account, as_of_version=length)
            rows.append(
                (length, plain.events_replayed, fast.events_replayed, fast.snapshot_version)
            )
    finally:
        with_snapshots.store.close()
    frame = pd.DataFrame(rows, columns=COST_COLUMNS)
    return frame.astype(
        {
            "stream_length": "int64",
            "replayed_without": "int64",
            "replayed_with": "int64",
            "snapshot_version": "Int64",
        }
    )


def time_loads(
    lengths: Sequence[int], every: int, *, repeats: int = 5, seed: int = 0
) -> pd.DataFrame:
    """Milliseconds to load an account of each length, without and with snapshots.

    The best of ``repeats`` loads each (the least disturbed by other work on the machine), on
    the same seeded account as :func:`replay_cost_table`. Timings differ from run to run and
    machine to machine: show them only in a cell tagged ``nbval-ignore-output``.
    """
    values, interval = _lengths(lengths), _positive("every", every)
    rounds = _positive("repeats", repeats)
    with_snapshots, without, account = _seeded(max(values), interval, seed)

    def best_ms(bank: Bank, length: int) -> float:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            bank.load(account, as_of_version=length)
            samples.append((time.perf_counter() - start) * 1_000)
        return min(samples)

    rows = []
    try:
        for length in values:
            plain, fast = best_ms(without, length), best_ms(with_snapshots, length)
            rows.append((length, round(plain, 2), round(fast, 2), round(plain / fast, 1)))
    finally:
        with_snapshots.store.close()
    return pd.DataFrame(rows, columns=TIMING_COLUMNS)


# -- charts ------------------------------------------------------------------------------------
def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return cast(Figure, ax.figure), ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


_THOUSANDS = FuncFormatter(lambda y, _pos: f"{int(y):,}")


def plot_replay_cost(table: pd.DataFrame, every: int, *, ax: Axes | None = None) -> Figure:
    """Events replayed against stream length, one line without and one with snapshots.

    ``table`` is a :func:`replay_cost_table` result for the same ``every``.
    """
    missing = [c for c in COST_COLUMNS if c not in getattr(table, "columns", ())]
    if missing:
        raise InvalidArgument(
            f"table is missing column(s) {', '.join(missing)}; pass replay_cost_table(...)"
        )
    interval = _positive("every", every)
    fig, ax = _new_axes(ax, (7.5, 4))
    x = table["stream_length"]
    ax.plot(x, table["replayed_without"], color="tab:red", linewidth=2, label="no snapshots")
    ax.plot(
        x,
        table["replayed_with"],
        color="tab:blue",
        marker="o",
        markersize=3,
        label=f"a snapshot every {interval} events",
    )
    ax.axhline(interval - 1, color="tab:blue", linestyle=":", linewidth=1)
    ax.annotate(
        f"never more than {interval - 1}",
        (float(x.iloc[0]), interval - 1),
        textcoords="offset points",
        xytext=(0, 5),
        color="tab:blue",
        fontsize=8,
    )
    longest = int(x.max())
    ax.set_title(
        f"Without snapshots a load replays the whole stream ({longest:,} events at the end);\n"
        f"with a snapshot every {interval} events it never replays more than {interval - 1}",
        fontsize=10,
    )
    ax.set_xlabel("stream length (events in the account)")
    ax.set_ylabel("events replayed by one load (events)")
    ax.xaxis.set_major_formatter(_THOUSANDS)
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def plot_loads(stream_length: int, every: int, *, ax: Axes | None = None) -> Figure:
    """Events replayed by a load at each version of one stream: a diagonal without snapshots,
    a sawtooth with a snapshot every ``every`` events (its teeth are the snapshots)."""
    length, interval = _positive("stream_length", stream_length), _positive("every", every)
    fig, ax = _new_axes(ax, (6, 3.6))
    versions = np.arange(1, length + 1)
    ax.plot(versions, versions, color="tab:red", linewidth=3, alpha=0.6, label="no snapshots")
    ax.plot(
        versions,
        versions % interval,
        color="tab:blue",
        linewidth=1.5,
        label=f"snapshot every {interval}",
    )
    worst = tradeoff(length, interval).worst_replay
    title = f"Every {interval}: at most {worst:,} events per load instead of up to {length:,}"
    if interval > length:
        title = f"Every {interval} > {length:,} events: no snapshot yet, loads replay it all"
    ax.set_title(title, fontsize=9.5)
    ax.set_xlabel("version loaded (events in the stream so far)")
    ax.set_ylabel("events replayed (events)")
    ax.xaxis.set_major_formatter(_THOUSANDS)
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_xlim(0, length + 1)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
    return fig


def plot_tradeoff(stream_length: int, every: int, *, ax: Axes | None = None) -> Figure:
    """Snapshot rows written and events replayed per load, for every interval from 1 to the
    stream length (log scale), with ``every`` marked."""
    length, interval = _positive("stream_length", stream_length), _positive("every", every)
    fig, ax = _new_axes(ax, (6, 3.6))
    n = np.arange(1, max(length, interval) + 1)
    writes = length // n
    worst = np.minimum(length, n - 1)
    full, rest = np.divmod(length, n)
    mean = (full * n * (n - 1) // 2 + rest * (rest + 1) // 2) / length
    ax.plot(n, writes, color="tab:green", linewidth=2, label="snapshot rows written")
    ax.plot(n, worst, color="tab:blue", linewidth=2, label="events replayed, worst load")
    ax.plot(n, mean, color="tab:blue", linestyle="--", label="events replayed, average load")
    ax.axvline(interval, color="black", linewidth=1)
    chosen = tradeoff(length, interval)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_title(
        f"Every {interval}: {chosen.snapshot_writes:,} snapshot rows, "
        f"at most {chosen.worst_replay:,} events per load",
        fontsize=9.5,
    )
    ax.set_xlabel("snapshot interval N (events, log scale)")
    ax.set_ylabel("count (rows or events, log scale)")
    ax.xaxis.set_major_formatter(_THOUSANDS)
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


# -- the panel ---------------------------------------------------------------------------------
def tradeoff_html(stream_length: int, every: int) -> str:
    """The trade-off of ``every`` for one stream, next to no snapshots, as an HTML table."""
    chosen, none = tradeoff(stream_length, every), tradeoff(stream_length, None)
    rows = (
        ("snapshot rows written", none.snapshot_writes, chosen.snapshot_writes),
        ("events replayed, newest load", none.latest_replay, chosen.latest_replay),
        ("events replayed, worst load", none.worst_replay, chosen.worst_replay),
        ("events replayed, average load", none.mean_replay, chosen.mean_replay),
    )
    body = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{a:,.1f}</td><td>{b:,.1f}</td></tr>"
        if isinstance(a, float)
        else f"<tr><th>{html.escape(name)}</th><td>{a:,}</td><td>{b:,}</td></tr>"
        for name, a, b in rows
    )
    caption = f"<b>A stream of {chosen.stream_length:,} events</b>, loaded once after every event"
    head = f"<tr><th></th><th>no snapshots</th><th>snapshot every {chosen.every:,}</th></tr>"
    return (
        f'<div class="{PANEL_CLASS}-table">{caption}'
        f"<table><thead>{head}</thead><tbody>{body}</tbody></table></div>"
    )


@dataclass(frozen=True, eq=False, repr=False)
class SnapshotPanel:
    """The widgets of one snapshot panel; display ``.widget`` (or the panel itself)."""

    every: widgets.IntSlider
    stream_length: widgets.IntSlider
    table: widgets.HTML
    chart: widgets.Image
    widget: widgets.VBox

    def tradeoff(self) -> Tradeoff:
        """The trade-off for the sliders' current values."""
        return tradeoff(self.stream_length.value, self.every.value)

    def summary(self) -> str:
        """One plain-text line for the current values."""
        t = self.tradeoff()
        rows = "row" if t.snapshot_writes == 1 else "rows"
        return (
            f"every {t.every}, stream of {t.stream_length} events: {t.snapshot_writes} "
            f"snapshot {rows}; a load replays at most {t.worst_replay} events "
            f"({t.mean_replay:.1f} on average, {t.latest_replay} for the newest state)"
        )

    def figure(self) -> Figure:
        """The panel's chart for the current values, as a new figure (not shown by pyplot)."""
        fig = Figure(figsize=(11, 3.6), layout="constrained")
        left, right = fig.subplots(1, 2)
        plot_loads(self.stream_length.value, self.every.value, ax=left)
        plot_tradeoff(self.stream_length.value, self.every.value, ax=right)
        return fig

    def refresh(self) -> None:
        """Redraw the table and the chart for the sliders' values (writes widget traits only)."""
        self.table.value = STYLE + tradeoff_html(self.stream_length.value, self.every.value)
        self.chart.value = _png(self.figure())

    def snapshot_html(self) -> str:
        """The panel's table as one static HTML block: the panel, frozen."""
        table = tradeoff_html(self.stream_length.value, self.every.value)
        return f'<div class="{PANEL_CLASS}-snapshot">{STYLE}{table}</div>'

    def __repr__(self) -> str:
        return f"SnapshotPanel(every={self.every.value}, stream_length={self.stream_length.value})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Snapshot panel (run the cell in Jupyter to use it)"
        return data


def snapshot_panel(
    *, every: int = 100, stream_length: int = 1_000, max_length: int = 5_000
) -> SnapshotPanel:
    """Build the panel: sliders for the interval N and the stream length, a table, a chart."""
    interval = _positive("every", every)
    length = _positive("stream_length", stream_length)
    longest = _positive("max_length", max_length)
    if length > longest:
        raise InvalidArgument(
            f"stream_length {length} is above max_length {longest}; raise max_length"
        )
    style = {"description_width": "14em"}
    wide = widgets.Layout(width="44em")
    every_slider = widgets.IntSlider(
        value=min(interval, longest),
        min=1,
        max=longest,
        description="snapshot every N events",
        continuous_update=False,
        style=style,
        layout=wide,
    )
    length_slider = widgets.IntSlider(
        value=length,
        min=1,
        max=longest,
        description="stream length (events)",
        continuous_update=False,
        style=style,
        layout=wide,
    )
    table = widgets.HTML()
    chart = widgets.Image(format="png")
    for view, css in (
        (every_slider, "every"),
        (length_slider, "length"),
        (table, "table"),
        (chart, "chart"),
    ):
        view.add_class(f"{PANEL_CLASS}-{css}")
    root = widgets.VBox([every_slider, length_slider, table, chart])
    root.add_class(PANEL_CLASS)
    panel = SnapshotPanel(
        every=every_slider, stream_length=length_slider, table=table, chart=chart, widget=root
    )
    every_slider.observe(lambda _change: panel.refresh(), names="value")
    length_slider.observe(lambda _change: panel.refresh(), names="value")
    panel.refresh()
    return panel
