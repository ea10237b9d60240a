"""The chart of notebook 05: stored rows per (type, schema version), old shapes in orange."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from esbank.teach.charts import new_figure, require_frame


def plot_schema_versions(counts: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Bar chart of :func:`schema_version_counts`: old shapes in orange, current in blue.

    The title states the finding: how many stored rows are in a shape the code no longer
    writes.
    """
    require_frame(
        counts,
        "counts",
        ("event_type", "schema_version", "rows", "current"),
        "schema_version_counts(store)",
        "the store holds no events",
    )
    fig, ax = new_figure(ax, (8, 3.8))
    labels = [
        f"{t}\nv{v}" for t, v in zip(counts["event_type"], counts["schema_version"], strict=True)
    ]
    colours = ["tab:blue" if c else "tab:orange" for c in counts["current"]]
    bars = ax.bar(range(len(counts)), counts["rows"], color=colours)
    ax.bar_label(bars, fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, int(counts["rows"].max()) * 1.15)
    ax.set_xticks(range(len(counts)), labels, fontsize=8)
    ax.set_xlabel("stored event type and schema version")
    ax.set_ylabel("stored rows (count)")
    ax.legend(
        handles=[
            Patch(color="tab:blue", label="current shape"),
            Patch(color="tab:orange", label="older shape: upcast on every read"),
        ],
        fontsize=8,
        loc="upper left",
    )
    old = int(counts.loc[~counts["current"].astype(bool), "rows"].sum())
    total = int(counts["rows"].sum())
    ax.set_title(
        f"{old} of {total} stored rows are in a shape this code no longer writes; "
        "it reads every one of them",
        fontsize=10,
    )
    return fig
