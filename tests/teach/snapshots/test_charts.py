"""The charts of notebook 04 draw the numbers of the model and of the measured table."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from esbank import InvalidArgument
from esbank.teach.snapshots import (
    plot_loads,
    plot_replay_cost,
    plot_tradeoff,
    replay_cost_table,
    replayed_per_load,
)


def test_charts_draw_the_numbers() -> None:
    table = replay_cost_table([50, 150, 300], 100)
    fig = plot_replay_cost(table, 100)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    without, with_snapshots = ax.lines[0], ax.lines[1]
    assert list(without.get_ydata()) == [50, 150, 300]
    assert list(with_snapshots.get_ydata()) == [50, 50, 0]
    assert "never replays more than 99" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    loads = plot_loads(12, 5).axes[0]
    assert list(loads.lines[1].get_ydata()) == replayed_per_load(12, 5)
    curve = plot_tradeoff(1_000, 100).axes[0]
    assert "10 snapshot rows" in curve.get_title()
    with pytest.raises(InvalidArgument, match="replay_cost_table"):
        plot_replay_cost(pd.DataFrame({"x": [1]}), 10)
