"""The lag chart labels its units and states the finding."""

from __future__ import annotations

from esbank.teach.lag import plot_lag, simulate_lag


def test_chart_labels_units_and_states_the_finding() -> None:
    run = simulate_lag(bursts=[(20, 10, 400)])
    fig = plot_lag(run)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time (s)" and "seconds" in ax.get_ylabel()
    assert "alert" in ax.get_title() and "peaks at" in ax.get_title()
    assert "events" in plot_lag(run, metric="events").axes[0].get_ylabel()
