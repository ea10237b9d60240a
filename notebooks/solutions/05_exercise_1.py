"""Notebook 05, exercise 1 (solution): the MoneyDeposited v2 → v3 upcaster."""

from typing import Any


def deposited_v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
    """MoneyDeposited v2 → v3: rename ``amount_cents`` to ``amount``.

    A new dict: the input stays as it was (the same stored row is read again and again), every
    field this step does not know is carried along (weak schema), and the old name is gone so
    the v3 payload has one name for one fact. A payload without ``amount_cents`` cannot be
    upcast: the ValueError becomes a CorruptEvent naming the stored row.
    """
    if "amount_cents" not in payload:
        raise ValueError(
            f"MoneyDeposited v2 payload has no 'amount_cents' field (keys: {sorted(payload)})"
        )
    rest = {key: value for key, value in payload.items() if key != "amount_cents"}
    return {**rest, "amount": payload["amount_cents"]}
