"""The chart of notebook 05 counts stored rows per shape and states the finding."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from esbank import InvalidArgument
from esbank.teach.determinism import memory_store
from esbank.teach.schema import plot_schema_versions, schema_version_counts, write_legacy_history


def test_chart_states_how_many_rows_are_in_old_shapes() -> None:
    legacy = memory_store()
    write_legacy_history(legacy)
    counts = schema_version_counts(legacy)
    fig = plot_schema_versions(counts)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title().startswith("7 of 10 stored rows are in a shape this code no longer")
    assert "count" in ax.get_ylabel()
    with pytest.raises(InvalidArgument, match="schema_version_counts"):
        plot_schema_versions(counts.drop(columns=["current"]))
