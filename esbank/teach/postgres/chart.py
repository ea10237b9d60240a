"""The chart of notebook 09: positions in the order they committed, bigserial against the
writer lock, with the rows a tailing reader missed marked."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.domain.errors import InvalidArgument
from esbank.teach.charts import new_figure
from esbank.teach.postgres.tailing import TailState


def plot_commit_order(bigserial: TailState, locked: TailState, *, ax: Axes | None = None) -> Figure:
    """Position against commit order for both strategies; missed rows as red crosses."""
    for name, state in (("bigserial", bigserial), ("locked", locked)):
        if not isinstance(state, TailState) or not state.commit_order:
            raise InvalidArgument(
                f"{name} must be the TailRace.state() of a race in which rows committed"
            )
    fig, ax = new_figure(ax, (7.5, 3.8))
    for state, color, label in (
        (bigserial, "tab:red", "bigserial: number at INSERT"),
        (locked, "tab:blue", "writer lock: number under the lock"),
    ):
        order = list(range(1, len(state.commit_order) + 1))
        ax.plot(order, state.commit_order, marker="o", color=color, label=label)
        missed = [(i, p) for i, p in zip(order, state.commit_order, strict=True)
                  if p in state.missed]  # fmt: skip
        if missed:
            ax.scatter(
                [i for i, _ in missed],
                [p for _, p in missed],
                marker="x",
                s=140,
                color="black",
                zorder=3,
                label="never seen by the tailing reader",
            )
    ax.set_xlabel("commit order (1 = committed first)")
    ax.set_ylabel("position")
    ticks = range(1, max(len(bigserial.commit_order), len(locked.commit_order)) + 1)
    ax.set_xticks(list(ticks))
    ax.set_yticks(list(ticks))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(
        f"bigserial: positions commit out of order and the reader misses "
        f"{len(bigserial.missed)};\nunder the writer lock they commit in order, none missed",
        fontsize=10,
    )
    return fig
