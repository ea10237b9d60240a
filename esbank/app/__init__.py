"""The application layer: command handling, loading, time travel, snapshots, projections."""

from esbank.app.bank import Bank
from esbank.app.outcomes import CommandRejected, CommandResult
from esbank.app.projections import Lag, Projection, Projector, StepResult
from esbank.app.read_models import (
    AccountBalances,
    AccountStatement,
    Answer,
    DailyTotals,
    Queries,
    ReadModelStale,
    standard_projections,
)
from esbank.app.retry import RetryPolicy
from esbank.app.snapshots import LoadReport, SnapshotIgnored, SnapshotNotSaved

__all__ = [
    "AccountBalances",
    "AccountStatement",
    "Answer",
    "Bank",
    "CommandRejected",
    "CommandResult",
    "DailyTotals",
    "Lag",
    "LoadReport",
    "Projection",
    "Projector",
    "Queries",
    "ReadModelStale",
    "RetryPolicy",
    "SnapshotIgnored",
    "SnapshotNotSaved",
    "StepResult",
    "standard_projections",
]
