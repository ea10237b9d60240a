"""Notebook 07, projection lag: the lag simulator, its chart and panel, and the lag-metrics
check."""

from esbank.teach.lag import checks
from esbank.teach.lag.capacity import Capacity, capacity
from esbank.teach.lag.chart import lag_title, plot_lag
from esbank.teach.lag.panel import LagPanel, lag_panel, summary_html, verdict_html
from esbank.teach.lag.simulation import Burst, LagRun, LagSettings, LagSummary, simulate_lag

__all__ = [
    "Burst",
    "Capacity",
    "LagPanel",
    "LagRun",
    "LagSettings",
    "LagSummary",
    "capacity",
    "checks",
    "lag_panel",
    "lag_title",
    "plot_lag",
    "simulate_lag",
    "summary_html",
    "verdict_html",
]
