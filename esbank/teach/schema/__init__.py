"""Notebook 05, schema evolution: the old application's rows, stored rows beside what the code
reads (raw-row inspection from ``esbank.eventstore.inspection``), the chart of stored shapes,
the schema panel and the upcaster check."""

from esbank.eventstore.inspection import (
    RowView,
    StoredRow,
    inspect_row,
    raw_and_upcast,
    schema_version_counts,
    side_by_side,
    stored_rows,
    upcast_steps,
)
from esbank.teach.legacy_rows import LegacyRow, write_rows
from esbank.teach.schema import checks
from esbank.teach.schema.chart import plot_schema_versions
from esbank.teach.schema.history import (
    LEGACY_ACCOUNTS,
    LEGACY_ROWS,
    LEGACY_START,
    LEGACY_STEP,
    LegacyHistory,
    legacy_clock,
    legacy_ids,
    write_as_current,
    write_legacy_history,
)
from esbank.teach.schema.panel import SchemaPanel, describe_view, row_label, schema_panel

__all__ = [
    "LEGACY_ACCOUNTS",
    "LEGACY_ROWS",
    "LEGACY_START",
    "LEGACY_STEP",
    "LegacyHistory",
    "LegacyRow",
    "RowView",
    "SchemaPanel",
    "StoredRow",
    "checks",
    "describe_view",
    "inspect_row",
    "legacy_clock",
    "legacy_ids",
    "plot_schema_versions",
    "raw_and_upcast",
    "row_label",
    "schema_panel",
    "schema_version_counts",
    "side_by_side",
    "stored_rows",
    "upcast_steps",
    "write_as_current",
    "write_legacy_history",
    "write_rows",
]
