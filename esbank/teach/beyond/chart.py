"""The chart of notebook 11: the money of a transfer at every point its managers passed,
through a crash and the resume, stacked so that a flat top means nothing was lost or made."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.domain.errors import InvalidArgument
from esbank.domain.money import format_cents
from esbank.teach.charts import new_figure, require_frame, thousands

TRACE_NEEDS = ("moment", "Ada", "in flight", "Bo", "total")
LAYERS = (("Ada", "tab:blue"), ("in flight", "tab:orange"), ("Bo", "tab:green"))


def trace_title(trace: object) -> str:
    """A title that states the finding: the total at every point, and where it crashed."""
    frame = require_frame(trace, "trace", TRACE_NEEDS, "trace_transfer()", "nothing to draw")
    totals = sorted(set(frame["total"].astype(int)))
    crashed = [m for m in frame["moment"] if "crash" in m]
    where = f" through a crash at {crashed[0].replace(' ✗ crash', '')}" if crashed else ""
    if len(totals) == 1:
        return f"Ada + Bo + money in flight stays at {format_cents(totals[0])}{where}"
    return (
        f"The total moved between {format_cents(totals[0])} and {format_cents(totals[-1])}{where}"
    )


def plot_transfer_trace(
    trace: object, *, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Ada's balance, the money in flight and Bo's balance, stacked, at every moment of
    ``trace_transfer()``; a dashed line where the manager crashed and a new one took over."""
    frame = require_frame(trace, "trace", TRACE_NEEDS, "trace_transfer()", "nothing to draw")
    if (frame[[name for name, _ in LAYERS]] < 0).to_numpy().any():
        raise InvalidArgument("trace has a negative balance; pass the frame trace_transfer() gave")
    fig, ax = new_figure(ax, (8.5, 4.2))
    x = list(range(len(frame)))
    ax.stackplot(
        x,
        *[frame[name].astype(int) / 100 for name, _ in LAYERS],
        labels=[name if name == "in flight" else f"{name}'s balance" for name, _ in LAYERS],
        colors=[colour for _, colour in LAYERS],
        alpha=0.8,
        step="mid",
    )
    ax.plot(
        x,
        frame["total"].astype(int) / 100,
        color="black",
        linewidth=1.5,
        drawstyle="steps-mid",
        label="total",
    )
    for i, moment in enumerate(frame["moment"]):
        if "crash" in moment:
            ax.axvline(i + 0.5, color="tab:red", linestyle="--", label="crash; a new manager")
    ax.set_xticks(x, list(frame["moment"]), rotation=60, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(frame) - 0.5)
    ax.set_ylim(0, float(frame["total"].max()) / 100 * 1.45)
    ax.yaxis.set_major_formatter(thousands())
    ax.set_xlabel("moment (step · fault point) the managers passed, in order")
    ax.set_ylabel("money (currency units)")
    ax.legend(loc="upper right", fontsize=8, ncols=3)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title if title is not None else trace_title(frame), fontsize=10)
    return fig
