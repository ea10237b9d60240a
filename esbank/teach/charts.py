"""Charts for the notebooks. Each function draws on an ``Axes`` and returns its ``Figure``.

Figures made here are not registered with pyplot (no global state); :func:`show` displays
a figure and closes it, so a notebook never leaks open figures. :func:`new_figure` and
:func:`require_frame` are the start of every lesson's chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from esbank.domain.errors import InvalidArgument
from esbank.domain.money import format_cents

HISTORY_NEEDS = ("version", "event_type", "change", "balance")
MAX_ANNOTATED = 12
CHART_SIZE = (7.5, 3.8)
"""The kit's chart size in inches (width, height)."""


def new_figure(ax: Axes | None, size: tuple[float, float] = CHART_SIZE) -> tuple[Figure, Axes]:
    """A new figure of ``size`` with one ``Axes``, or the figure of the ``ax`` given."""
    if ax is not None:
        return cast(Figure, ax.figure), ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def thousands() -> FuncFormatter:
    """Axis ticks as whole numbers with thousands separators, e.g. ``12,500`` (one per axis)."""
    return FuncFormatter(lambda y, _pos: f"{int(y):,}")


def require_frame(
    frame: object, name: str, needs: Sequence[str], source: str, if_empty: str
) -> pd.DataFrame:
    """Refuse anything but a non-empty DataFrame with the ``needs`` columns, naming ``source``."""
    if not isinstance(frame, pd.DataFrame):
        raise InvalidArgument(
            f"{name} must be the DataFrame returned by {source}, got {type(frame).__name__}"
        )
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise InvalidArgument(
            f"{name} is missing column(s) {', '.join(missing)}; pass the DataFrame returned "
            f"by {source}"
        )
    if frame.empty:
        raise InvalidArgument(f"{name} has no rows: {if_empty}")
    return frame


def show(fig: Figure) -> None:
    """Display ``fig`` in the notebook, then close it so no figure stays open."""
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)


def _signed_cents(cents: int) -> str:
    return f"{cents:+,}" if cents else "±0"


def default_title(history: pd.DataFrame) -> str:
    """A title that states what the chart shows: the final balance and the lowest point."""
    n = len(history)
    final = int(history["balance"].iloc[-1])
    lowest = int(history["balance"].min())
    return (
        f"{n} events: the balance ends at {final:,} cents ({format_cents(final)}) "
        f"and never goes below {lowest:,}"
    )


def plot_balance(
    history: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Step chart of the balance after each event of one account (``Bank.history`` rows).

    The x axis is the stream version, labelled with the event type; the y axis is the
    balance in cents. Each step is annotated with the cents the event moved.
    """
    require_frame(
        history,
        "history",
        HISTORY_NEEDS,
        "Bank.history(account_id)",
        "an account with no events has no chart",
    )
    fig, ax = new_figure(ax)
    versions = history["version"].astype(int).tolist()
    balances = history["balance"].astype(int).tolist()
    changes = history["change"].astype(int).tolist()
    ax.step(versions, balances, where="post", color="tab:blue", linewidth=2)
    ax.plot(versions, balances, "o", color="tab:blue")
    if len(versions) <= MAX_ANNOTATED:
        for v, b, c in zip(versions, balances, changes, strict=True):
            ax.annotate(
                _signed_cents(c),
                (v, b),
                textcoords="offset points",
                xytext=(6, 5),
                ha="left",
                fontsize=8,
            )
    ax.set_xticks(versions)
    ax.set_xticklabels(
        [f"{v}\n{t}" for v, t in zip(versions, history["event_type"], strict=True)],
        fontsize=8,
    )
    ax.set_xlim(versions[0] - 0.5, versions[-1] + 0.5)
    low, high = min(0, *balances), max(0, *balances)
    margin = (high - low) * 0.12 or 1
    ax.set_ylim(bottom=low - margin / 2, top=high + margin)
    ax.yaxis.set_major_formatter(thousands())
    ax.set_xlabel("version (event number in the account's stream)")
    ax.set_ylabel("balance after the event (cents)")
    ax.set_title(title if title is not None else default_title(history), fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return fig
