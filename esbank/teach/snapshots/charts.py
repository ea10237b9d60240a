"""The charts of notebook 04: events replayed against stream length, per version, per interval.

Each function draws on an ``Axes`` (a new figure when none is given) and returns its figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.domain.arguments import require_int
from esbank.teach.charts import new_figure, require_frame, thousands
from esbank.teach.replay_cost import COST_COLUMNS
from esbank.teach.snapshots.tradeoff import tradeoff


def _counts(ax: Axes, xlabel: str, ylabel: str) -> None:
    """Both axes count things: labels with units, thousands separators, y from 0, a grid."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_formatter(thousands())
    ax.yaxis.set_major_formatter(thousands())
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)


def plot_replay_cost(table: pd.DataFrame, every: int, *, ax: Axes | None = None) -> Figure:
    """Events replayed against stream length, one line without and one with snapshots.

    ``table`` is a :func:`replay_cost_table` result for the same ``every``.
    """
    require_frame(
        table, "table", COST_COLUMNS, "replay_cost_table(...)", "measure at least one length"
    )
    interval = require_int("every", every, minimum=1)
    fig, ax = new_figure(ax, (7.5, 4))
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
    _counts(ax, "stream length (events in the account)", "events replayed by one load (events)")
    ax.legend(loc="upper left")
    return fig


def plot_loads(stream_length: int, every: int, *, ax: Axes | None = None) -> Figure:
    """Events replayed by a load at each version of one stream: a diagonal without snapshots,
    a sawtooth with a snapshot every ``every`` events (its teeth are the snapshots)."""
    length = require_int("stream_length", stream_length, minimum=1)
    interval = require_int("every", every, minimum=1)
    fig, ax = new_figure(ax, (6, 3.6))
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
    _counts(ax, "version loaded (events in the stream so far)", "events replayed (events)")
    ax.set_xlim(0, length + 1)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
    return fig


def plot_tradeoff(stream_length: int, every: int, *, ax: Axes | None = None) -> Figure:
    """Snapshot rows written and events replayed per load, for every interval from 1 to the
    stream length (log scale), with ``every`` marked."""
    length = require_int("stream_length", stream_length, minimum=1)
    interval = require_int("every", every, minimum=1)
    fig, ax = new_figure(ax, (6, 3.6))
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
    _counts(ax, "snapshot interval N (events, log scale)", "count (rows or events, log scale)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8)
    return fig
