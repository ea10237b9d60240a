"""The application layer: command handling, loading and time travel."""

from esbank.app.bank import Bank, CommandResult

__all__ = ["Bank", "CommandResult"]
