"""Teaching helpers: deterministic clock and ids, widget panels, races, charts, exercise checks."""

from esbank.teach import checks
from esbank.teach.charts import plot_balance, plot_conflict_rates, show
from esbank.teach.determinism import SequentialIds, StepClock
from esbank.teach.race import (
    ConflictRun,
    Race,
    RacePanel,
    RaceResult,
    RaceStep,
    TellerResult,
    conflict_rates,
    new_race_account,
    race_panel,
    race_scenario,
    run_race,
    simulate_conflict_run,
    simulate_conflicts,
)
from esbank.teach.sqllog import StatementLog, statement_log
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
    "ConflictRun",
    "Outcome",
    "Race",
    "RacePanel",
    "RaceResult",
    "RaceStep",
    "SequentialIds",
    "StatementLog",
    "StepClock",
    "TellerPanel",
    "TellerResult",
    "account_states",
    "checks",
    "conflict_rates",
    "default_bank",
    "event_log_frame",
    "event_log_html",
    "new_race_account",
    "plot_balance",
    "plot_conflict_rates",
    "race_panel",
    "race_scenario",
    "run_command",
    "run_race",
    "show",
    "simulate_conflict_run",
    "simulate_conflicts",
    "state_html",
    "statement_log",
    "states_frame",
    "teller_panel",
]
