"""Notebook 03, replay and time travel: the state as of a version or an instant, the
time-travel panel and chart, and the ``evolve`` exercise check."""

from esbank.teach.charts import plot_balance, show
from esbank.teach.replay import checks
from esbank.teach.replay.panel import TimeTravelPanel, point_html, time_travel_panel
from esbank.teach.replay.time_travel import (
    PointInTime,
    describe,
    format_instant,
    plot_time_travel,
    point_in_time,
)

__all__ = [
    "PointInTime",
    "TimeTravelPanel",
    "checks",
    "describe",
    "format_instant",
    "plot_balance",
    "plot_time_travel",
    "point_html",
    "point_in_time",
    "show",
    "time_travel_panel",
]
