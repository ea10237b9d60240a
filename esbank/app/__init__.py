"""The application layer: command handling, loading, time travel and snapshots."""

from esbank.app.bank import Bank, CommandRejected, CommandResult
from esbank.app.snapshots import LoadReport, SnapshotIgnored

__all__ = ["Bank", "CommandRejected", "CommandResult", "LoadReport", "SnapshotIgnored"]
