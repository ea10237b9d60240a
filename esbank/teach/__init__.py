"""Teaching helpers: deterministic clock and ids, widget panels, charts and exercise checks."""

from esbank.teach import checks
from esbank.teach.charts import plot_balance, show
from esbank.teach.determinism import SequentialIds, StepClock
from esbank.teach.teller import (
    Outcome,
    TellerPanel,
    account_states,
    default_bank,
    event_log_frame,
    event_log_html,
    run_command,
    state_html,
    states_frame,
    teller_panel,
)

__all__ = [
    "Outcome",
    "SequentialIds",
    "StepClock",
    "TellerPanel",
    "account_states",
    "checks",
    "default_bank",
    "event_log_frame",
    "event_log_html",
    "plot_balance",
    "run_command",
    "show",
    "state_html",
    "states_frame",
    "teller_panel",
]
