"""The race of notebook 02's panel: teller A and teller B, each withdrawing or depositing,
racing on a fresh account in the order a schedule gives."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from esbank.domain.commands import Command, DepositMoney, WithdrawMoney
from esbank.domain.errors import InvalidArgument
from esbank.teach.race import RaceResult, new_race_account, run_race

TELLER_ACTIONS: tuple[str, ...] = ("withdraw", "deposit")


def teller_command(account_id: UUID, action: str, amount: int) -> Command:
    """The command a teller sends: ``"withdraw"`` or ``"deposit"`` of ``amount`` cents."""
    if action == "withdraw":
        return WithdrawMoney(account_id, amount)
    if action == "deposit":
        return DepositMoney(account_id, amount)
    raise InvalidArgument(f"action must be one of {', '.join(TELLER_ACTIONS)}, got {action!r}")


def race_scenario(
    *,
    opening_balance: int,
    a: tuple[str, int],
    b: tuple[str, int],
    schedule: str | Sequence[str],
    retries: int = 0,
) -> RaceResult:
    """Race teller A and teller B on a fresh account opened with ``opening_balance`` cents.

    ``a`` and ``b`` are ``(action, amount)``; the store is closed again when the race is over.
    """
    store, account = new_race_account("Ada", opening_balance)
    with store:
        tellers = {
            "A": teller_command(account, *a),
            "B": teller_command(account, *b),
        }
        return run_race(store, tellers, schedule, retries=retries)
