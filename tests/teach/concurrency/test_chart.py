"""The conflict-rate chart of notebook 02 labels its units and states the finding."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from esbank import InvalidArgument
from esbank.teach.concurrency import conflict_rates, plot_conflict_rates


def test_chart_labels_units_and_states_the_finding() -> None:
    rates = conflict_rates([1, 2, 4], commands=300, seed=1)
    fig = plot_conflict_rates(rates)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "writers per aggregate" in ax.get_xlabel()
    assert "(%)" in ax.get_ylabel()
    assert ax.get_title().startswith("One writer per aggregate never conflicts; 4 writers on")
    with pytest.raises(InvalidArgument, match="missing column"):
        plot_conflict_rates(rates.drop(columns="conflict_rate"))
