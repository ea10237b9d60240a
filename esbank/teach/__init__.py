"""Teaching helpers: deterministic clock and ids, widget panels, races, charts, exercise checks."""

from esbank.teach import checks
from esbank.teach.charts import plot_conflict_rates
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

__all__ = [
    "ConflictRun",
    "Race",
    "RacePanel",
    "RaceResult",
    "RaceStep",
    "SequentialIds",
    "StatementLog",
    "StepClock",
    "TellerResult",
    "checks",
    "conflict_rates",
    "new_race_account",
    "plot_conflict_rates",
    "race_panel",
    "race_scenario",
    "run_race",
    "simulate_conflict_run",
    "simulate_conflicts",
    "statement_log",
]
