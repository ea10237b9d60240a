"""The chart of notebook 07: projection lag over time, the alert line, bursts shaded."""

from __future__ import annotations

from typing import Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.domain.errors import InvalidArgument
from esbank.teach.charts import new_figure
from esbank.teach.lag.simulation import LagRun

Metric = Literal["seconds", "events"]


def lag_title(run: LagRun) -> str:
    """A title that states the finding: the peak lag against the alert threshold."""
    s = run.summary
    if s.max_lag_seconds <= s.alert_seconds:
        return (
            f"Lag peaks at {s.max_lag_seconds:.1f} s: it never reaches the "
            f"{s.alert_seconds:g} s alert"
        )
    return (
        f"Lag peaks at {s.max_lag_seconds:.1f} s and stays over the {s.alert_seconds:g} s "
        f"alert {s.share_over_alert:.0%} of the time"
    )


def plot_lag(
    run: LagRun,
    *,
    metric: Metric = "seconds",
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Lag over time (seconds or events behind), the alert line, and bursts shaded."""
    if not isinstance(run, LagRun):
        raise InvalidArgument(f"run must be a LagRun from simulate_lag, got {type(run).__name__}")
    if metric not in ("seconds", "events"):
        raise InvalidArgument(f"metric must be 'seconds' or 'events', got {metric!r}")
    fig, ax = new_figure(ax, (8, 3.6))
    t = run.timeline
    column = "lag_seconds" if metric == "seconds" else "lag_events"
    ax.plot(t["time"], t[column], color="tab:blue", linewidth=1.2, label="projection lag")
    if metric == "seconds":
        ax.axhline(
            run.summary.alert_seconds,
            color="tab:red",
            linestyle="--",
            label=f"alert at {run.summary.alert_seconds:g} s",
        )
        ax.set_ylabel("lag (seconds behind)")
    else:
        ax.set_ylabel("lag (events behind)")
    for i, burst in enumerate(run.settings.get("bursts", ())):
        ax.axvspan(
            burst.start,
            burst.start + burst.length,
            color="tab:orange",
            alpha=0.15,
            label="burst" if i == 0 else None,
        )
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, float(t["time"].iloc[-1]))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title if title is not None else lag_title(run), fontsize=10)
    return fig
