"""The teller panel without a browser: set widget values, click, read the widgets back."""

from __future__ import annotations

from uuid import UUID

import ipywidgets as widgets
import pytest

from esbank import Bank, DuckDBEventStore, InvalidArgument
from esbank.teach import SequentialIds, StepClock
from esbank.teach.commands import (
    TellerPanel,
    account_states,
    default_bank,
    event_log_frame,
    run_command,
    short_owner,
    teller_panel,
)

ADA = UUID(int=1)  # the first id of the default bank's SequentialIds


def opened(owner: str = "Ada", amount: int = 10_000) -> TellerPanel:
    panel = teller_panel(owner=owner, amount=amount)
    panel.open_button.click()
    return panel


def log_rows(panel: TellerPanel) -> list[tuple[int, int, str, str]]:
    frame = panel.log_frame()
    return list(
        zip(frame["position"], frame["version"], frame["event_type"], frame["data"], strict=True)
    )


def test_panel_exposes_its_widgets_with_stable_classes_and_names() -> None:
    panel = teller_panel()
    assert isinstance(panel.widget, widgets.VBox)
    assert "esbank-teller" in panel.widget._dom_classes
    buttons = (panel.open_button, panel.deposit_button, panel.withdraw_button, panel.close_button)
    names = ["Open account", "Deposit", "Withdraw", "Close account"]
    assert [b.description for b in buttons] == names
    assert "esbank-teller-withdraw" in panel.withdraw_button._dom_classes
    assert isinstance(panel.amount, widgets.Text)  # text: what was typed is checked, not coerced
    assert panel.account.options == ()
    assert "no event yet" in panel.log.value
    assert "no account yet" in panel.state.value


def test_open_deposit_withdraw_show_in_log_state_and_message() -> None:
    panel = opened()
    assert "✅" in panel.message.value
    assert panel.account.value == ADA
    panel.amount.value = "2_500"
    panel.deposit_button.click()
    panel.amount.value = "4_000"
    panel.withdraw_button.click()
    assert log_rows(panel) == [
        (1, 1, "AccountOpened", "owner='Ada', initial_balance=10000"),
        (2, 2, "MoneyDeposited", "amount=2500"),
        (3, 3, "MoneyWithdrawn", "amount=4000"),
    ]
    assert "MoneyWithdrawn" in panel.log.value
    assert "85.00" in panel.state.value  # 10,000 + 2,500 - 4,000 cents
    assert "version 3" in panel.message.value
    states = panel.states_frame()
    assert states[["owner", "balance_cents", "version", "status"]].values.tolist() == [
        ["Ada", 8_500, 3, "open"]
    ]


def test_insufficient_funds_is_shown_and_writes_nothing() -> None:
    panel = opened(amount=1_000)
    before = panel.bank.store.read_all()
    panel.amount.value = "1_001"
    panel.withdraw_button.click()
    assert "❌" in panel.message.value
    assert "InsufficientFunds" in panel.message.value
    assert "balance=1000 cents, requested=1001 cents" in panel.message.value
    assert panel.bank.store.read_all() == before
    assert panel.bank.store.head_position() == 1


@pytest.mark.parametrize("amount", [0, -500])
@pytest.mark.parametrize("button", ["deposit_button", "withdraw_button"])
def test_zero_or_negative_amount_shows_invalid_amount(amount: int, button: str) -> None:
    panel = opened()
    panel.amount.value = str(amount)
    getattr(panel, button).click()
    assert "InvalidAmount" in panel.message.value
    assert f"got {amount} cents" in panel.message.value
    assert panel.bank.store.head_position() == 1


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("12.5", "(a decimal)"),
        ("12,50", "(a decimal)"),
        ("twelve", "type digits only"),
        ("", "is empty"),
        ("   ", "is empty"),
    ],
)
@pytest.mark.parametrize("button", ["open_button", "deposit_button", "withdraw_button"])
def test_typed_money_that_is_not_whole_cents_is_refused_never_mangled(
    typed: str, said: str, button: str
) -> None:
    """12.5 typed as an amount must not become 125 or 12 cents: it is refused, and so are
    letters and an empty field (the previous value is not sent again)."""
    panel = opened()
    panel.amount.value = "700"
    panel.deposit_button.click()
    before = panel.bank.store.read_all()
    panel.amount.value = typed
    getattr(panel, button).click()
    assert "InvalidAmount" in panel.message.value and said in panel.message.value
    assert panel.bank.store.read_all() == before
    assert panel.states_frame()["balance_cents"].tolist() == [10_700]


def test_a_decimal_amount_gets_a_hint_saying_how_to_write_it_in_cents() -> None:
    panel = opened()
    panel.amount.value = "12.5"
    panel.deposit_button.click()
    outcome = panel.outcomes[-1]
    assert (outcome.accepted, outcome.error) == (False, "InvalidAmount")
    assert "got '12.5' (a decimal)" in outcome.text
    assert "write 12.50 euros as 1250" in outcome.text  # what to type instead


def test_negative_withdrawal_never_raises_the_balance() -> None:
    """The reference note's withdrawal handler accepts -500; ours refuses it."""
    panel = opened(amount=1_000)
    panel.amount.value = "-500"
    panel.withdraw_button.click()
    assert "InvalidAmount" in panel.message.value
    assert panel.states_frame()["balance_cents"].tolist() == [1_000]


def test_close_with_money_left_shows_non_zero_balance_then_closes_when_empty() -> None:
    panel = opened(amount=700)
    panel.close_button.click()
    assert "NonZeroBalance" in panel.message.value
    assert "still holds 700 cents" in panel.message.value
    panel.amount.value = "700"
    panel.withdraw_button.click()
    panel.close_button.click()
    assert "✅" in panel.message.value
    assert panel.states_frame()["status"].tolist() == ["closed"]
    assert "(closed)" in panel.account.label
    panel.deposit_button.click()
    assert "AccountClosedError" in panel.message.value


def test_buttons_before_any_account_say_to_open_one_first() -> None:
    panel = teller_panel()
    for button in (panel.deposit_button, panel.withdraw_button, panel.close_button):
        button.click()
        assert "no account chosen" in panel.message.value
        assert "Open account" in panel.message.value
    assert panel.bank.store.head_position() == 0


def test_unknown_account_is_refused_with_account_not_open() -> None:
    bank = default_bank()
    outcome = run_command(bank, "deposit", amount=100, account_id=UUID(int=999))
    assert not outcome.accepted
    assert outcome.error == "AccountNotOpen"
    assert "has not been opened" in outcome.text
    assert "open it first" in outcome.text
    assert bank.store.head_position() == 0


def test_empty_owner_is_refused_and_opening_twice_gives_two_accounts() -> None:
    panel = teller_panel(owner="   ")
    panel.open_button.click()
    assert "InvalidCommand" in panel.message.value
    assert "owner must not be empty" in panel.message.value
    panel.owner.value = "Ada"
    panel.open_button.click()
    panel.owner.value = "Bo"
    panel.amount.value = "0"
    panel.open_button.click()
    assert [label.split(" · ")[0] for label, _ in panel.account.options] == ["Ada", "Bo"]
    assert panel.account.value == panel.account.options[1][1]  # the newest account is chosen
    ada = panel.account.options[0][1]  # id 1 went to the refused open, so Ada got id 2
    panel.account.value = ada
    rows = panel.state.value.split("<tr>")
    (ada_row,) = [row for row in rows if str(ada) in row]
    assert "▶" in ada_row


def test_snapshot_html_holds_message_state_and_whole_log() -> None:
    panel = teller_panel(max_log_rows=2)
    panel.open_button.click()
    panel.amount.value = "1"
    for _ in range(3):
        panel.deposit_button.click()
    assert "showing the newest 2" in panel.log.value
    snapshot = panel.snapshot_html()
    assert 'class="esbank-teller-snapshot"' in snapshot
    assert snapshot.count("<td>MoneyDeposited</td>") == 3
    assert "AccountOpened" in snapshot
    assert snapshot.count("✅") == 4
    assert [o.summary()[:1] for o in panel.outcomes] == ["✅"] * 4


def test_outcomes_keep_every_message_in_order() -> None:
    panel = opened(amount=100)
    panel.amount.value = "101"
    panel.withdraw_button.click()
    assert [o.accepted for o in panel.outcomes] == [True, False]
    assert panel.outcomes[1].summary().startswith("❌ InsufficientFunds: insufficient funds")
    assert "InsufficientFunds" in panel.snapshot_html()


def test_repr_is_a_short_hint_for_static_renderers() -> None:
    panel = opened()
    assert repr(panel) == "TellerPanel(accounts=1, events=1)"
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Teller panel (run the cell in Jupyter to use it)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_a_static_renderer_sees_the_panel_as_it_was_displayed() -> None:
    """Saved without widget state, the learner's panel still shows its clean start."""
    clean = teller_panel()._repr_mimebundle_()["text/html"]
    assert "no account yet" in clean and "no event yet" in clean
    assert "❌" not in clean and "✅" not in clean
    driven = opened(amount=700)
    driven.close_button.click()
    frozen = driven._repr_mimebundle_()["text/html"]
    assert frozen == driven.snapshot_html() and "NonZeroBalance" in frozen


def test_panel_on_a_given_bank_is_deterministic() -> None:
    def make() -> list[list[object]]:
        store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=9))
        panel = teller_panel(Bank(store, new_id=SequentialIds(prefix=7)))
        panel.open_button.click()
        panel.deposit_button.click()
        return panel.log_frame().values.tolist()

    first = make()
    assert first == make()
    assert [row[1] for row in first] == ["00070000-0000-0000-0000-000000000001"] * 2


def test_account_states_and_log_frame_are_pure_views_of_the_records() -> None:
    bank = default_bank()
    run_command(bank, "open", owner="Ada", amount=300)
    run_command(bank, "withdraw", amount=300, account_id=ADA)
    records = bank.store.read_all()
    (state,) = account_states(records)
    assert (state.balance, state.version, state.is_open) == (0, 2, True)
    assert event_log_frame(records)["recorded_at"].tolist() == [
        "2026-01-05T09:00:00+00:00",
        "2026-01-05T09:01:00+00:00",
    ]
    assert bank.store.read_all() == records


def test_run_command_rejects_an_unknown_action() -> None:
    with pytest.raises(InvalidArgument, match="action must be one of"):
        run_command(default_bank(), "transfer", account_id=ADA)  # type: ignore[arg-type]


LONG_OWNER = "Ada-" + "x" * 196  # 200 characters, the most an owner may have, and no space


@pytest.mark.parametrize("owner", [LONG_OWNER, "Ada Lovelace " * 15 + "Byron"])
def test_a_200_character_owner_does_not_push_the_state_off_screen(owner: str) -> None:
    """The state table and the chooser show the owner cut short, the full name as a tooltip;
    messages and log cells wrap long words instead of widening the panel."""
    assert len(owner) == 200
    panel = opened(owner=owner)
    assert panel.bank.load(ADA).owner == owner  # stored in full
    shown = short_owner(owner)
    assert len(shown) == 24 and shown.endswith("…") and owner.startswith(shown[:-1])
    row = panel.state.value.split("<tbody>")[1]
    assert f'<span title="{owner}">{shown}</span>' in row
    assert owner not in row.replace(f'title="{owner}"', "")  # the full name only as a tooltip
    for cell in ("<td>100.00</td>", "<td>1</td>", "<td>open</td>"):
        assert cell in row
    ((label, _),) = panel.account.options
    assert label == f"{shown} · {ADA}"
    wrap = "{overflow-wrap: anywhere;}"
    data = "td:nth-child(5) {white-space: normal; overflow-wrap: anywhere;}"
    assert panel.log_frame().columns[4] == "data"
    for part in (panel.widget.children[0].value, panel.snapshot_html()):
        assert f".esbank-teller-message {wrap}" in part
        assert f".esbank-teller-log-table {data}" in part


def test_an_owner_is_escaped_in_its_tooltip_and_a_short_one_is_shown_whole() -> None:
    owner = '<b>"Bo" & Co</b> ' * 10
    panel = opened(owner=owner)
    row = panel.state.value.split("<tbody>")[1]
    assert "<b>" not in row and '"Bo"' not in row
    assert 'title="&lt;b&gt;&quot;Bo&quot; &amp; Co&lt;/b&gt; &lt;b&gt;' in row
    assert short_owner("Ada") == "Ada" and short_owner(None) == ""
    plain = opened(owner="Ada")
    assert "<td>Ada</td>" in plain.state.value and "title=" not in plain.state.value
