"""Racing tellers on a real store, the conflict simulation, the race panel and the retry check."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import ipywidgets as widgets
import pandas as pd
import pytest
from matplotlib.figure import Figure

from esbank import (
    ANY,
    AccountOpened,
    Bank,
    ConcurrencyConflict,
    DepositMoney,
    DomainError,
    DuckDBEventStore,
    InsufficientFunds,
    InvalidArgument,
    WithdrawMoney,
    decide,
    replay,
)
from esbank.teach import (
    Race,
    RacePanel,
    SequentialIds,
    StepClock,
    conflict_rates,
    new_race_account,
    plot_conflict_rates,
    race_panel,
    race_scenario,
    run_race,
    simulate_conflict_run,
    simulate_conflicts,
)
from esbank.teach.checks import check_handle_with_retry
from esbank.teach.race import LOG_COLUMNS, parse_schedule

ACCOUNT = UUID(int=1)  # the account id of new_race_account
SOLUTIONS = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"


def two_withdrawals(schedule: str, retries: int = 0, **kwargs: Any) -> Any:
    """A: withdraw 7000, B: withdraw 5000, from an account opened with 10000."""
    store, account = new_race_account(opening_balance=10_000)
    with store:
        tellers = {"A": WithdrawMoney(account, 7_000), "B": WithdrawMoney(account, 5_000)}
        return run_race(store, tellers, schedule, retries=retries, **kwargs)


# -- the race on a real store ----------------------------------------------------------------
def test_new_race_account_is_deterministic_and_open() -> None:
    store, account = new_race_account("Bo", 2_500)
    with store:
        assert account == ACCOUNT
        (opened,) = store.read_stream(account)
        assert opened.event == AccountOpened("Bo", 2_500)
        assert opened.recorded_at.isoformat() == "2026-01-05T09:00:00+00:00"


def test_interleaved_loads_make_the_second_append_conflict() -> None:
    result = two_withdrawals("ABABAB")
    log = result.log
    assert list(log.columns) == LOG_COLUMNS
    assert list(zip(log["teller"], log["action"], strict=True)) == [
        ("A", "load"), ("B", "load"), ("A", "decide"),
        ("B", "decide"), ("A", "append"), ("B", "append"),
    ]  # fmt: skip
    assert log["version"].tolist() == [1, 1, 1, 1, 1, 1]
    assert log["stream_version"].tolist() == [1, 1, 1, 1, 2, 2]
    assert "accepted" in log["outcome"][4]
    assert "expected version 1, but the stream is at 2" in log["outcome"][5]
    (conflict,) = result.conflicts
    assert (conflict.expected, conflict.actual) == (1, 2)
    assert "reload the state, decide again and retry" in str(conflict)
    assert result.tellers["A"].status == "accepted"
    assert result.tellers["B"].status == "gave up"
    assert isinstance(result.tellers["B"].error, ConcurrencyConflict)
    assert result.events["teller"].tolist() == ["-", "A"]
    assert result.state.balance == 3_000
    assert result.schedule == "ABABAB"


def test_a_teller_that_finishes_before_the_other_loads_causes_no_conflict() -> None:
    result = two_withdrawals("AAABBB")
    assert result.conflicts == []
    assert result.tellers["A"].status == "accepted"
    # B loaded A's withdrawal, so its rule sees 3000 cents and refuses 5000 the first time.
    assert result.tellers["B"].status == "refused"
    assert result.tellers["B"].attempts == 1
    assert isinstance(result.tellers["B"].error, InsufficientFunds)
    assert result.log["action"].tolist() == ["load", "decide", "append", "load", "decide", "idle"]


def test_retry_reloads_and_the_rule_rightly_refuses_the_second_withdrawal() -> None:
    result = two_withdrawals("ABABAB", retries=1)
    assert result.schedule == "ABABAB+BB"
    assert result.log["action"].tolist()[6:] == ["load", "decide"]
    assert result.log["attempt"].tolist()[6:] == [2, 2]
    assert "retry 1 of 1" in result.log["outcome"][5]
    b = result.tellers["B"]
    assert (b.status, b.attempts) == ("refused", 2)
    assert isinstance(b.error, InsufficientFunds)
    assert (b.error.balance, b.error.requested) == (3_000, 5_000)
    assert "balance=3000 cents, requested=5000 cents" in b.text
    assert result.state.balance == 3_000  # never below zero
    assert result.events["balance"].tolist() == [10_000, 3_000]


def test_retry_after_a_deposit_is_accepted_at_the_next_version() -> None:
    store, account = new_race_account(opening_balance=10_000)
    with store:
        tellers = {"A": DepositMoney(account, 2_500), "B": WithdrawMoney(account, 4_000)}
        result = run_race(store, tellers, "ABABAB", retries=2)
    b = result.tellers["B"]
    assert (b.status, b.attempts, b.new_version) == ("accepted", 2, 3)
    assert result.events["balance"].tolist() == [10_000, 12_500, 8_500]
    assert result.events["teller"].tolist() == ["-", "A", "B"]
    assert len(result.conflicts) == 1


def test_b_appending_first_makes_a_the_loser() -> None:
    result = two_withdrawals("BABABA")
    assert result.tellers["B"].status == "accepted"
    assert result.tellers["A"].status == "gave up"
    assert result.state.balance == 5_000


def test_a_refused_command_never_appends() -> None:
    store, account = new_race_account(opening_balance=1_000)
    with store:
        result = run_race(store, {"A": WithdrawMoney(account, 5_000)}, "AAA")
        assert store.stream_version(account) == 1
    assert result.log["action"].tolist() == ["load", "decide", "idle"]
    assert "refused by InsufficientFunds" in result.log["outcome"][1]


def test_without_finish_the_unfinished_tellers_say_what_comes_next() -> None:
    result = two_withdrawals("AB", finish=False)
    assert result.schedule == "AB"
    assert [t.status for t in result.tellers.values()] == ["unfinished", "unfinished"]
    assert "next step would be decide" in result.tellers["A"].text
    assert result.tellers["A"].summary().startswith("❌ A: WithdrawMoney 7000 cents")


def test_same_schedule_same_log() -> None:
    first = race_scenario(opening_balance=10_000, a=("withdraw", 7_000), b=("deposit", 1),
                          schedule="ABBABA", retries=1)  # fmt: skip
    second = race_scenario(opening_balance=10_000, a=("withdraw", 7_000), b=("deposit", 1),
                           schedule="ABBABA", retries=1)  # fmt: skip
    pd.testing.assert_frame_equal(first.log, second.log)
    pd.testing.assert_frame_equal(first.events, second.events)


def test_race_step_by_step() -> None:
    store, account = new_race_account()
    with store:
        race = Race(store, {"A": DepositMoney(account, 1), "B": DepositMoney(account, 2)})
        assert race.step("A").action == "load"
        assert race.step("B").action == "load"
        assert not race.done
        for name in "ABAB":
            race.step(name)
        assert race.done
        assert race.finished("A") and race.finished("B")


def test_schedules_are_parsed_forgivingly_but_unknown_tellers_are_refused() -> None:
    assert parse_schedule("ab ab-a,b", ["A", "B"]) == list("ABABAB")
    assert parse_schedule(["A", "B"], ["A", "B"]) == ["A", "B"]
    with pytest.raises(InvalidArgument, match="step 3 is 'C', but the tellers are A, B"):
        parse_schedule("ABC", ["A", "B"])
    with pytest.raises(InvalidArgument, match="schedule must be a string"):
        parse_schedule(3, ["A"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tellers", "message"),
    [
        ({}, "non-empty dict"),
        ({"AB": DepositMoney(ACCOUNT, 1)}, "single letters"),
        ({"A": "deposit"}, "must be an esbank command"),
        ({"A": DepositMoney(ACCOUNT, 1), "B": DepositMoney(UUID(int=2), 1)}, "one account"),
    ],
)
def test_race_refuses_bad_tellers_with_a_reason(tellers: Any, message: str) -> None:
    store, _ = new_race_account()
    with store, pytest.raises(InvalidArgument, match=message):
        Race(store, tellers)


def test_race_refuses_negative_retries_and_unknown_step() -> None:
    store, account = new_race_account()
    with store:
        with pytest.raises(InvalidArgument, match="retries must be an int >= 0"):
            Race(store, {"A": DepositMoney(account, 1)}, retries=-1)
        race = Race(store, {"A": DepositMoney(account, 1)})
        with pytest.raises(InvalidArgument, match="there is no teller 'B'"):
            race.step("B")


# -- the simulation --------------------------------------------------------------------------
def test_one_writer_never_conflicts() -> None:
    run = simulate_conflict_run(1, 200, seed=3)
    assert (run.accepted, run.appends, run.conflicts) == (200, 200, 0)
    assert simulate_conflicts(1, 200, seed=3) == 0.0


def test_simulation_is_deterministic_and_grows_with_writers() -> None:
    assert simulate_conflicts(4, 500, seed=7) == simulate_conflicts(4, 500, seed=7)
    rates = [simulate_conflicts(w, 2_000, seed=0) for w in (1, 2, 4, 8, 16)]
    assert rates == sorted(rates)
    assert rates[0] == 0.0
    assert 0.2 < rates[1] < 0.4  # two writers: about 30% of appends conflict
    assert rates[-1] > 0.6


def test_simulation_counts_what_the_real_store_counts() -> None:
    """Replay a simulated trace on a DuckDBEventStore: the store refuses the same appends."""
    run = simulate_conflict_run(3, 25, seed=11)
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    with store:
        account = Bank(store, new_id=SequentialIds()).open_account("Ada").aggregate_id
        seen: dict[int, Any] = {}
        conflicts = 0
        for writer, action in run.trace:
            if action == "load":
                recorded = store.read_stream(account)
                seen[writer] = replay((r.event for r in recorded), account_id=account)
                continue
            state = seen.pop(writer)
            events = decide(DepositMoney(account, 100), state)
            try:
                store.append(account, events, expected_version=state.version)
            except ConcurrencyConflict:
                conflicts += 1
        assert conflicts == run.conflicts > 0
        assert store.stream_version(account) == 1 + run.accepted


def test_conflict_rates_table_and_chart() -> None:
    rates = conflict_rates([1, 2, 4], commands=300, seed=1)
    assert rates.columns.tolist() == ["writers", "accepted", "appends", "conflicts",
                                      "conflict_rate"]  # fmt: skip
    assert rates["writers"].tolist() == [1, 2, 4]
    assert (rates["accepted"] == 300).all()
    assert (rates["conflicts"] == rates["appends"] - rates["accepted"]).all()
    fig = plot_conflict_rates(rates)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "writers per aggregate" in ax.get_xlabel()
    assert "(%)" in ax.get_ylabel()
    assert ax.get_title().startswith("One writer per aggregate never conflicts; 4 writers on")
    with pytest.raises(InvalidArgument, match="missing column"):
        plot_conflict_rates(rates.drop(columns="conflict_rate"))


@pytest.mark.parametrize(("writers", "commands"), [(0, 10), (2, 0), (True, 10), (2.5, 10)])
def test_simulation_refuses_bad_arguments(writers: Any, commands: Any) -> None:
    with pytest.raises(InvalidArgument, match="must be an int >= 1"):
        simulate_conflict_run(writers, commands, seed=0)


# -- the panel -------------------------------------------------------------------------------
def test_panel_has_stable_classes_and_descriptive_button() -> None:
    panel = race_panel()
    assert isinstance(panel, RacePanel)
    assert isinstance(panel.widget, widgets.VBox)
    assert "esbank-race" in panel.widget._dom_classes
    assert panel.run_button.description == "Run race"
    assert "one step at a time" in panel.run_button.tooltip
    assert "esbank-race-run" in panel.run_button._dom_classes
    assert "esbank-race-schedule" in panel.schedule._dom_classes
    assert "no race run yet" in panel.steps.value
    assert panel.last is None
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Race panel (run the cell in Jupyter to use it)"


def test_clicking_run_shows_the_conflict_and_the_final_state() -> None:
    panel = race_panel()
    panel.run_button.click()
    assert panel.last is not None
    assert "1 concurrency conflict(s)" in panel.message.value
    assert "esbank-race-conflict" in panel.steps.value
    assert "ConcurrencyConflict: expected version 1, but the stream is at 2" in panel.steps.value
    assert "balance 3000 cents (30.00) at version 2" in panel.final.value
    assert "gave up" in panel.final.value


def test_other_interleavings_and_retries_from_the_widgets() -> None:
    panel = race_panel()
    panel.schedule.value = "AAABBB"
    panel.run_button.click()
    assert "0 concurrency conflict(s)" in panel.message.value
    assert "InsufficientFunds" in panel.final.value
    panel.schedule.value = "ABABAB"
    panel.b_action.value = "deposit"
    panel.b_amount.value = 1_000
    panel.retries.value = 1
    panel.run_button.click()
    result = panel.last
    assert result is not None and result.tellers["B"].status == "accepted"
    assert result.state.balance == 4_000
    assert len(panel.results) == 2


def test_preset_fills_the_schedule() -> None:
    panel = race_panel(schedule="")
    panel.preset.value = "AABBBA"
    assert panel.schedule.value == "AABBBA"
    panel.run_button.click()
    assert panel.last is not None
    assert panel.last.tellers["A"].status == "gave up"  # B ran while A was deciding


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [("a_amount", 0, "InvalidAmount"), ("schedule", "ABX", "InvalidArgument")],
)
def test_bad_input_is_shown_not_raised(field: str, value: Any, error: str) -> None:
    panel = race_panel()
    panel.run_button.click()
    getattr(panel, field).value = value
    panel.run_button.click()
    assert "❌" in panel.message.value
    assert error in panel.message.value
    assert "no race run yet" in panel.steps.value
    assert len(panel.errors) == 1


def test_snapshot_is_static_html_of_the_last_run() -> None:
    panel = race_panel()
    panel.run_button.click()
    snapshot = panel.snapshot_html()
    assert snapshot.startswith('<div class="esbank-race-snapshot">')
    assert "schedule ABABAB" in snapshot
    assert "A withdraws 7000 cents" in snapshot
    assert "<table" in snapshot
    assert "0x" not in snapshot


# -- the check of notebook 02's exercise -----------------------------------------------------
def _load(store: Any, command: Any) -> Any:
    recorded = store.read_stream(command.account_id)
    return replay((r.event for r in recorded), account_id=command.account_id)


def no_retry(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    return store.append(command.account_id, decide(command, state), expected_version=state.version)


def retry_without_reload(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    events = decide(command, state)
    for attempt in range(max_retries + 1):
        try:
            return store.append(command.account_id, events, expected_version=state.version)
        except ConcurrencyConflict:
            if attempt == max_retries:
                raise
    return None


def blind_append(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    return store.append(command.account_id, decide(command, state), expected_version=ANY)


def retries_forever(store: Any, command: Any, max_retries: int = 3) -> Any:
    while True:
        state = _load(store, command)
        try:
            return store.append(
                command.account_id, decide(command, state), expected_version=state.version
            )
        except ConcurrencyConflict:
            continue


def swallows_refusals(store: Any, command: Any, max_retries: int = 3) -> Any:
    for attempt in range(max_retries + 1):
        state = _load(store, command)
        try:
            events = decide(command, state)
        except DomainError:
            return None
        try:
            return store.append(command.account_id, events, expected_version=state.version)
        except ConcurrencyConflict:
            if attempt == max_retries:
                raise
    return None


def stale_and_endless(store: Any, command: Any, max_retries: int = 3) -> Any:
    state = _load(store, command)
    events = decide(command, state)
    while True:
        try:
            return store.append(command.account_id, events, expected_version=state.version)
        except Exception:
            continue


def one_retry_too_many(store: Any, command: Any, max_retries: int = 3) -> Any:
    return Bank(store, max_retries=max_retries + 1).handle(command)


def not_implemented(*_args: Any) -> Any:
    raise NotImplementedError


def test_retry_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    answer = runpy.run_path(str(SOLUTIONS / "02_exercise_1.py"))["handle_with_retry"]
    assert check_handle_with_retry(answer) is True
    assert capsys.readouterr().out.startswith("✅ handle_with_retry handles all 5 cases")


def test_bank_handle_is_a_correct_retry_loop_too(capsys: pytest.CaptureFixture[str]) -> None:
    def with_bank(store: Any, command: Any, max_retries: int = 3) -> Any:
        return Bank(store, max_retries=max_retries).handle(command)

    assert check_handle_with_retry(with_bank) is True
    capsys.readouterr()


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (None, "not defined yet"),
        (42, "must be a function"),
        (not_implemented, "still raises NotImplementedError"),
        (no_retry, "let the first ConcurrencyConflict escape"),
        (retry_without_reload, "same expected_version 1 twice"),
        (blind_append, "expected_version=ANY, which turns the concurrency check off"),
        (retries_forever, "with max_retries=2 it should make 3 append(s)"),
        (swallows_refusals, "it should raise InsufficientFunds"),
        (stale_and_endless, "appended more than 50 times"),
        (one_retry_too_many, "made 4 append(s); 3 were needed"),
    ],
)
def test_retry_check_rejects_wrong_answers(
    answer: Callable[..., Any] | None, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_handle_with_retry(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("❌")
    assert "Hint:" in out
    assert hint in out


def test_retry_check_survives_an_answer_that_raises_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(store: Any, command: Any, max_retries: int = 3) -> Any:
        raise KeyError("oops")

    assert check_handle_with_retry(broken) is False
    assert "raised KeyError" in capsys.readouterr().out


def test_retry_check_leaves_a_rival_write_visible_to_the_answer() -> None:
    """The rival writes inside the answer's first append, before the real append runs."""
    seen: list[int] = []

    def spy(store: Any, command: Any, max_retries: int = 3) -> Any:
        for _ in range(max_retries + 1):
            state = _load(store, command)
            seen.append(state.version)
            try:
                return store.append(
                    command.account_id, decide(command, state), expected_version=state.version
                )
            except ConcurrencyConflict:
                continue
        raise ConcurrencyConflict(command.account_id, seen[-1], seen[-1] + 1)

    check_handle_with_retry(spy)
    assert seen[:3] == [1, 1, 2]  # case 1: one load; case 2: the reload sees the rival's event
