"""The commit-order chart of notebook 09."""

from __future__ import annotations

import pytest

from esbank import InvalidArgument
from esbank.teach.postgres import SCRIPT, TailRace, TailState, plot_commit_order


def test_the_chart_shows_both_strategies_and_the_missed_rows(conninfo: str) -> None:
    states = []
    for strategy in ("bigserial", "writer lock"):
        race = TailRace(conninfo, strategy)
        race.run(SCRIPT)
        states.append(race.state())
        race.close()
    fig = plot_commit_order(*states)
    (ax,) = fig.axes
    assert "misses 2" in ax.get_title()
    lines = [line.get_ydata().tolist() for line in ax.get_lines()]
    assert lines == [[3, 1, 2], [1, 2, 3]]
    labels = ax.get_legend_handles_labels()[1]
    assert "never seen by the tailing reader" in labels
    assert ax.get_xlabel() == "commit order (1 = committed first)"


def test_the_chart_needs_races_that_committed() -> None:
    empty = TailState("bigserial", [], {}, 0, [])
    with pytest.raises(InvalidArgument, match=r"TailRace\.state"):
        plot_commit_order(empty, empty)
