"""The projector panel: its buttons move checkpoints and read models as the projector does,
and its views show the right numbers."""

from __future__ import annotations

from uuid import UUID

import pytest

from esbank import Bank, DuckDBEventStore, InvalidArgument, Projector, Queries, standard_projections
from esbank.teach import SequentialIds, StepClock
from esbank.teach.projections import (
    ProjectorPanel,
    balances_html,
    lag_html,
    lag_rows,
    projector_panel,
    statement_html,
)
from esbank.teach.projections.checkpoints import LAG_COLUMNS
from esbank.teach.projections.panel import PANEL_CLASS


def new_panel(batch_size: int = 2) -> tuple[ProjectorPanel, UUID, UUID]:
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    bank = Bank(store, new_id=SequentialIds())
    ada = bank.open_account("Ada", 10_000).aggregate_id
    bo = bank.open_account("Bo", 500).aggregate_id
    projector = Projector(store, standard_projections(), clock=StepClock())
    panel = projector_panel(bank, projector, Queries(store), batch_size=batch_size)
    return panel, ada, bo


def checkpoints(panel: ProjectorPanel) -> list[int]:
    return panel.lags()["checkpoint"].tolist()


def test_panel_starts_behind_and_shows_it() -> None:
    panel, ada, _ = new_panel()
    assert panel.account_id == ada  # default: the first account in the log
    lags = panel.lags()
    assert list(lags.columns) == LAG_COLUMNS
    assert lags["projection"].tolist() == ["balances", "statement", "daily_totals"]
    assert checkpoints(panel) == [0, 0, 0]
    assert lags["events_behind"].tolist() == [2, 2, 2]
    assert "2 event(s) behind" in panel.lag.value
    assert "empty" in panel.balances.value
    assert "no row yet" in panel.statement.value


def test_project_button_moves_checkpoints_and_fills_tables() -> None:
    panel, ada, _ = new_panel(batch_size=1)
    panel.step_button.click()
    assert checkpoints(panel) == [1, 1, 1]
    assert "Ada" in panel.balances.value and "Bo" not in panel.balances.value
    assert "100.00" in panel.balances.value
    panel.batch_size.value = 5
    panel.step_button.click()
    assert checkpoints(panel) == [2, 2, 2]
    assert "Bo" in panel.balances.value
    assert "caught up" in panel.lag.value
    panel.step_button.click()
    assert panel.messages[-1].startswith("nothing to project")
    assert str(ada) in panel.statement.value


def test_deposit_button_grows_the_log_but_not_the_read_models() -> None:
    panel, ada, _ = new_panel(batch_size=2)
    panel.step_button.click()
    balance_before = panel.queries.balance(ada).value["balance"].iloc[0]
    for _ in range(3):
        panel.deposit_button.click()
    lags = panel.lags()
    assert lags["head"].tolist() == [5, 5, 5]
    assert lags["events_behind"].tolist() == [3, 3, 3]
    assert panel.queries.balance(ada).value["balance"].iloc[0] == balance_before
    assert "position 5" in panel.messages[-1]
    panel.step_button.click()
    assert lags_behind(panel) == [1, 1, 1]
    panel.step_button.click()
    assert lags_behind(panel) == [0, 0, 0]
    assert panel.queries.balance(ada).value["balance"].iloc[0] == balance_before + 3 * 1_000
    assert panel.statement.value.count("MoneyDeposited") == 3
    assert panel.summary() == (
        "head 5: balances at 5 (0 behind), statement at 5 (0 behind), daily_totals at 5 (0 behind)"
    )


def lags_behind(panel: ProjectorPanel) -> list[int]:
    return panel.lags()["events_behind"].tolist()


def test_snapshot_and_repr_are_static_and_stable() -> None:
    panel, _, _ = new_panel()
    panel.deposit_button.click()
    panel.step_button.click()
    snapshot = panel.snapshot_html()
    assert f'class="{PANEL_CLASS}-snapshot"' in snapshot
    assert "<ol><li>deposited 10.00 at position 3" in snapshot
    assert "Checkpoints" in snapshot and "Balances" in snapshot and "Statement" in snapshot
    assert " at 0x" not in snapshot
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Projector panel (run the cell in Jupyter to use it)"
    assert PANEL_CLASS in panel.widget._dom_classes
    assert panel.step_button.description == "Project next batch"
    assert panel.deposit_button.description == "Deposit 10.00"


def test_pure_renderers() -> None:
    panel, ada, _ = new_panel()
    frame = lag_rows(panel.projector)
    assert "events_behind" in lag_html(frame)
    panel.projector.run()
    assert "Customer" not in balances_html(panel.queries.top_accounts(5))
    assert "100.00" in balances_html(panel.queries.top_accounts(5))
    html = statement_html(panel.queries.statement(ada), ada)
    assert "+10,000" in html and "AccountOpened" in html


def test_a_deposit_into_no_account_is_explained_not_raised() -> None:
    store = DuckDBEventStore(":memory:", clock=StepClock())
    bank = Bank(store, new_id=SequentialIds())
    projector = Projector(store, standard_projections(), clock=StepClock())
    panel = projector_panel(bank, projector, Queries(store))
    assert panel.account_id is None
    panel.deposit_button.click()
    assert "no account to deposit into" in panel.messages[-1]
    assert store.head_position() == 0


def test_bad_arguments_say_what_was_wrong() -> None:
    panel, _, _ = new_panel()
    with pytest.raises(InvalidArgument, match="deposit_amount"):
        projector_panel(panel.bank, panel.projector, panel.queries, deposit_amount=0)
    other = DuckDBEventStore(":memory:", clock=StepClock())
    with pytest.raises(InvalidArgument, match="another store"):
        projector_panel(Bank(other), panel.projector, panel.queries)
