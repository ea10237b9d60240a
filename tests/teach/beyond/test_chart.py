"""The trace chart labels its units, marks the crash and states the finding."""

from __future__ import annotations

import pandas as pd
import pytest

from esbank import InvalidArgument
from esbank.teach.beyond import plot_transfer_trace, trace_title, trace_transfer


def test_chart_labels_units_marks_the_crash_and_states_the_finding() -> None:
    trace = trace_transfer(("credit", "before"))
    fig = plot_transfer_trace(trace)
    ax = fig.axes[0]
    assert "currency units" in ax.get_ylabel() and "moment" in ax.get_xlabel()
    assert ax.get_title() == (
        "Ada + Bo + money in flight stays at 1,000.00 through a crash at credit · before"
    )
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "requested" and "new manager" in labels
    assert "crash; a new manager" in ax.get_legend_handles_labels()[1]


def test_a_total_that_moved_is_said_so() -> None:
    trace = trace_transfer(None)
    trace.loc[len(trace) - 1, "total"] = 90_000
    assert trace_title(trace).startswith("The total moved between 900.00 and 1,000.00")


def test_not_a_trace_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="trace_transfer"):
        plot_transfer_trace(pd.DataFrame({"moment": ["x"]}))
