"""The chart of notebook 02: the share of appends that conflict, per writers per aggregate."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.teach.charts import new_figure, require_frame

RATES_NEEDS = ("writers", "conflict_rate")


def conflict_title(rates: pd.DataFrame) -> str:
    """A title that states the finding: the conflict rate at the fewest and the most writers."""
    first, last = rates.iloc[0], rates.iloc[-1]
    low, high = int(first["writers"]), int(last["writers"])
    low_rate, high_rate = float(first["conflict_rate"]), float(last["conflict_rate"])
    start = (
        "One writer per aggregate never conflicts"
        if low == 1 and low_rate == 0
        else f"{low} writers per aggregate lose {low_rate:.0%} of their appends"
    )
    if len(rates) == 1:
        return start
    return f"{start}; {high} writers on one aggregate lose {high_rate:.0%} of their appends"


def plot_conflict_rates(
    rates: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Line chart of the share of appends that conflicted, per number of writers per aggregate.

    ``rates`` is the DataFrame of :func:`esbank.teach.conflicts.conflict_rates`. Each point is
    annotated with its percentage.
    """
    require_frame(
        rates,
        "rates",
        RATES_NEEDS,
        "conflict_rates(writers)",
        "simulate at least one number of writers",
    )
    fig, ax = new_figure(ax)
    writers = rates["writers"].astype(int).tolist()
    percent = (rates["conflict_rate"].astype(float) * 100).tolist()
    ax.plot(writers, percent, "o-", color="tab:red", linewidth=2)
    for w, p in zip(writers, percent, strict=True):
        ax.annotate(
            f"{p:.0f}%", (w, p), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8
        )
    ax.set_xticks(writers)
    ax.set_ylim(0, 100)
    ax.set_xlabel("writers per aggregate (tellers working on the same account at once)")
    ax.set_ylabel("appends refused by a conflict (%)")
    ax.set_title(title if title is not None else conflict_title(rates), fontsize=10)
    ax.grid(alpha=0.3)
    return fig
