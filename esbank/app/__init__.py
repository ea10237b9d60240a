"""The application layer: command handling, loading and time travel."""

from esbank.app.bank import Bank, CommandRejected, CommandResult

__all__ = ["Bank", "CommandRejected", "CommandResult"]
