"""The conflict simulation: deterministic, growing with writers, and what a real store counts."""

from __future__ import annotations

from typing import Any

import pytest

from esbank import Bank, ConcurrencyConflict, DepositMoney, InvalidArgument, decide, replay
from esbank.teach.conflicts import conflict_rates, simulate_conflict_run, simulate_conflicts
from esbank.teach.determinism import memory_store


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
    with memory_store() as store:
        account = Bank(store).open_account("Ada").aggregate_id
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


def test_conflict_rates_table() -> None:
    rates = conflict_rates([1, 2, 4], commands=300, seed=1)
    assert rates.columns.tolist() == ["writers", "accepted", "appends", "conflicts",
                                      "conflict_rate"]  # fmt: skip
    assert rates["writers"].tolist() == [1, 2, 4]
    assert (rates["accepted"] == 300).all()
    assert (rates["conflicts"] == rates["appends"] - rates["accepted"]).all()


@pytest.mark.parametrize(("writers", "commands"), [(0, 10), (2, 0), (True, 10), (2.5, 10)])
def test_simulation_refuses_bad_arguments(writers: Any, commands: Any) -> None:
    with pytest.raises(InvalidArgument, match="must be an int >= 1"):
        simulate_conflict_run(writers, commands, seed=0)
