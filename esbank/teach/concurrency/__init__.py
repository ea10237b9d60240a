"""Notebook 02, the event store and concurrency: racing tellers, conflict rates, the race
panel, statement counts, what DuckDB does with two writers at one version, and the checks of
the two exercises (a retry loop, an event store of the learner's own)."""

from esbank.teach.concurrency import checks
from esbank.teach.concurrency.chart import plot_conflict_rates
from esbank.teach.concurrency.clashes import race_tally, scripted_clashes
from esbank.teach.concurrency.panel import RacePanel, race_panel
from esbank.teach.concurrency.scenario import race_scenario, teller_command
from esbank.teach.conflicts import (
    ConflictRun,
    conflict_rates,
    simulate_conflict_run,
    simulate_conflicts,
)
from esbank.teach.race import (
    Race,
    RaceResult,
    RaceStep,
    TellerResult,
    new_race_account,
    parse_schedule,
    run_race,
)
from esbank.teach.sqllog import StatementLog, statement_log

__all__ = [
    "ConflictRun",
    "Race",
    "RacePanel",
    "RaceResult",
    "RaceStep",
    "StatementLog",
    "TellerResult",
    "checks",
    "conflict_rates",
    "new_race_account",
    "parse_schedule",
    "plot_conflict_rates",
    "race_panel",
    "race_scenario",
    "race_tally",
    "run_race",
    "scripted_clashes",
    "simulate_conflict_run",
    "simulate_conflicts",
    "statement_log",
    "teller_command",
]
