"""The chart helpers refuse what they cannot draw, and draw what Bank.history returns."""

from __future__ import annotations

import pandas as pd
import pytest

from esbank import Bank, DepositMoney, DuckDBEventStore, InvalidArgument
from esbank.teach import SequentialIds, StepClock
from esbank.teach.charts import plot_balance


def test_plot_balance_draws_one_step_per_event() -> None:
    bank = Bank(DuckDBEventStore(clock=StepClock()), new_id=SequentialIds())
    account = bank.open_account("Ada", 1_000).aggregate_id
    bank.handle(DepositMoney(account, 500))
    fig = plot_balance(bank.history(account), title="Two events")
    (ax,) = fig.axes
    assert ax.get_title() == "Two events"
    assert "cents" in ax.get_ylabel()


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([1, 2], "must be the DataFrame returned by Bank.history"),
        (pd.DataFrame({"version": [1]}), "missing column(s) event_type, change, balance"),
        (
            pd.DataFrame(columns=["version", "event_type", "change", "balance"]),
            "no rows: an account with no events has no chart",
        ),
    ],
)
def test_plot_balance_refuses_what_it_cannot_draw(history: object, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        plot_balance(history)  # type: ignore[arg-type]
    assert message in str(info.value)
