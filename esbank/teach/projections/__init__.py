"""Notebook 06, projections and read models: checkpoints against the head, the projector
panel, statement counts, rows in old shapes, the projection code on screen, and the
largest-withdrawal check."""

from esbank.teach.legacy_rows import LegacyRow, write_rows
from esbank.teach.projections import checks
from esbank.teach.projections.checkpoints import lag_rows
from esbank.teach.projections.panel import (
    ProjectorPanel,
    balances_html,
    lag_html,
    projector_panel,
    statement_html,
)
from esbank.teach.source import show_source, show_sql
from esbank.teach.sqllog import StatementLog, statement_log

__all__ = [
    "LegacyRow",
    "ProjectorPanel",
    "StatementLog",
    "balances_html",
    "checks",
    "lag_html",
    "lag_rows",
    "projector_panel",
    "show_source",
    "show_sql",
    "statement_html",
    "statement_log",
    "write_rows",
]
