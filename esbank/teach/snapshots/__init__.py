"""Notebook 04, snapshots: the trade-off model, events replayed measured on a real store,
the charts, the snapshot panel and the ``snapshot_due`` check."""

from esbank.teach.replay_cost import replay_cost_table, time_loads
from esbank.teach.snapshots import checks
from esbank.teach.snapshots.charts import plot_loads, plot_replay_cost, plot_tradeoff
from esbank.teach.snapshots.panel import SnapshotPanel, snapshot_panel, tradeoff_html
from esbank.teach.snapshots.tradeoff import (
    Tradeoff,
    fewest_writes_within,
    replayed_per_load,
    snapshot_tradeoff,
    tradeoff,
)

__all__ = [
    "SnapshotPanel",
    "Tradeoff",
    "checks",
    "fewest_writes_within",
    "plot_loads",
    "plot_replay_cost",
    "plot_tradeoff",
    "replay_cost_table",
    "replayed_per_load",
    "snapshot_panel",
    "snapshot_tradeoff",
    "time_loads",
    "tradeoff",
    "tradeoff_html",
]
