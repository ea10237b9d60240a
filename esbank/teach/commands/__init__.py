"""Notebook 01, commands and events: a teller panel, the balance chart, two exercise checks,
and ``show_source`` for the code being taught."""

from esbank.teach.charts import plot_balance, show
from esbank.teach.commands import checks
from esbank.teach.commands.checks import WITHDRAWAL_LIMIT
from esbank.teach.commands.panel import (
    TellerPanel,
    event_log_html,
    message_html,
    outcomes_html,
    short_owner,
    state_html,
    teller_panel,
)
from esbank.teach.commands.teller import (
    Outcome,
    account_states,
    default_bank,
    event_log_frame,
    run_command,
    states_frame,
)
from esbank.teach.source import show_source

__all__ = [
    "WITHDRAWAL_LIMIT",
    "Outcome",
    "TellerPanel",
    "account_states",
    "checks",
    "default_bank",
    "event_log_frame",
    "event_log_html",
    "message_html",
    "outcomes_html",
    "plot_balance",
    "run_command",
    "short_owner",
    "show",
    "show_source",
    "state_html",
    "states_frame",
    "teller_panel",
]
