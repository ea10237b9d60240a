"""The step-by-step race on a real store: schedules, conflicts, retries as Bank.handle does."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pandas as pd
import pytest

from esbank import (
    AccountOpened,
    Bank,
    ConcurrencyConflict,
    DepositMoney,
    InsufficientFunds,
    InvalidArgument,
    MoneyDeposited,
    WithdrawMoney,
)
from esbank.teach.concurrency import race_scenario
from esbank.teach.race import LOG_COLUMNS, Race, new_race_account, parse_schedule, run_race

ACCOUNT = UUID(int=1)  # the account id of new_race_account


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


class RivalBeforeEveryAppend:
    """A store wrapper whose rival deposits 1 cent just before each append: every append
    of the one being tested conflicts."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.appends = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def append(self, aggregate_id: Any, events: Any, **kwargs: Any) -> Any:
        self.appends += 1
        version = self.store.stream_version(aggregate_id)
        self.store.append(aggregate_id, [MoneyDeposited(1)], expected_version=version)
        return self.store.append(aggregate_id, events, **kwargs)


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_a_teller_gives_up_where_bank_handle_gives_up(retries: int) -> None:
    """One retry policy: the race's tellers make as many attempts as Bank(max_retries=…)."""
    store, account = new_race_account()
    with store:
        rival = RivalBeforeEveryAppend(store)
        with pytest.raises(ConcurrencyConflict):
            Bank(rival, max_retries=retries).handle(DepositMoney(account, 5))  # type: ignore[arg-type]
        bank_appends = rival.appends
        rival.appends = 0
        result = run_race(rival, {"A": DepositMoney(account, 5)}, "", retries=retries)  # type: ignore[arg-type]
    teller = result.tellers["A"]
    assert teller.status == "gave up"
    assert teller.attempts == rival.appends == bank_appends == retries + 1
