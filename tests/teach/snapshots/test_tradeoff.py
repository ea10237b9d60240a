"""The snapshot trade-off model agrees with what ``Bank.load_with_report`` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from esbank import Bank, DepositMoney, DuckDBEventStore, InvalidArgument
from esbank.teach import SequentialIds
from esbank.teach.snapshots import (
    fewest_writes_within,
    replayed_per_load,
    snapshot_panel,
    snapshot_tradeoff,
    tradeoff,
)
from esbank.teach.snapshots.tradeoff import TRADEOFF_COLUMNS
from teach.stores import GROWN_ACCOUNT, bank_grown_one_event_at_a_time


# -- the model against the real Bank -------------------------------------------------------------
@pytest.mark.parametrize(("length", "every"), [(23, 5), (12, 4), (7, 10), (9, 1), (6, 6)])
def test_model_matches_load_with_report_at_every_version(length: int, every: int) -> None:
    bank = bank_grown_one_event_at_a_time(length, every)
    measured = [
        bank.load_with_report(GROWN_ACCOUNT, as_of_version=v)[1].events_replayed
        for v in range(1, length + 1)
    ]
    assert measured == replayed_per_load(length, every)
    newest = bank.load_with_report(GROWN_ACCOUNT)[1]
    assert newest.events_replayed == length % every == tradeoff(length, every).latest_replay
    written = list(bank.snapshots.frame()["version"]) if bank.snapshots else []
    assert len(written) == length // every == tradeoff(length, every).snapshot_writes


def test_without_snapshots_a_load_replays_every_event_so_far() -> None:
    assert replayed_per_load(5, None) == [1, 2, 3, 4, 5]
    assert tradeoff(5, None).worst_replay == 5
    assert tradeoff(5, None).mean_replay == 3.0


@pytest.mark.parametrize("length", [1, 2, 7, 99, 100, 101, 1_000])
@pytest.mark.parametrize("every", [1, 2, 3, 10, 100, 2_000])
def test_tradeoff_formulas_match_the_per_load_list(length: int, every: int) -> None:
    loads = replayed_per_load(length, every)
    t = tradeoff(length, every)
    assert t.snapshot_writes == length // every
    assert t.latest_replay == loads[-1] == length % every
    assert t.worst_replay == max(loads)
    assert t.mean_replay == pytest.approx(sum(loads) / length)


def test_snapshot_tradeoff_table() -> None:
    table = snapshot_tradeoff(1_000, [None, 1, 100, 5_000])
    assert list(table.columns) == TRADEOFF_COLUMNS
    assert table["every"].isna().tolist() == [True, False, False, False]
    assert table["snapshot_writes"].tolist() == [0, 1_000, 10, 0]
    assert table["worst_replay"].tolist() == [1_000, 0, 99, 1_000]
    assert table["latest_replay"].tolist() == [1_000, 0, 0, 1_000]
    assert table["mean_replay"].tolist() == [500.5, 0.0, 49.5, 500.5]


def test_fewest_writes_within_a_replay_budget() -> None:
    assert fewest_writes_within(1_000, 99) == 100
    assert fewest_writes_within(1_000, 0) == 1
    assert fewest_writes_within(50, 99) is None  # short stream: no snapshot needed
    for length, budget in [(1_000, 99), (37, 5), (10, 9)]:
        every = fewest_writes_within(length, budget)
        assert every is not None
        assert tradeoff(length, every).worst_replay <= budget
        assert tradeoff(length, every + 1).worst_replay > budget  # one more: over budget


@pytest.mark.parametrize(("budget", "largest_append"), [(6, 3), (9, 4), (4, 1), (2, 3)])
def test_fewest_writes_within_with_batches_holds_on_a_real_bank(
    budget: int, largest_append: int
) -> None:
    """The worst case: single appends up to one version before a multiple of N, then a batch
    of k that jumps over it. Every load stays within the budget, and one load reaches it."""
    every = fewest_writes_within(100, budget, largest_append=largest_append)
    assert every == budget - largest_append + 2
    bank = Bank(DuckDBEventStore(), new_id=SequentialIds(), snapshot_every=every)
    account = bank.open_account("Ann", 0).aggregate_id
    version = 1
    while version < 4 * every + largest_append:
        size = largest_append if (version + 1) % every == 0 else 1
        bank.handle_batch([DepositMoney(account, 1)] * size)
        version += size
    replayed = [
        bank.load_with_report(account, as_of_version=v)[1].events_replayed
        for v in range(1, version + 1)
    ]
    assert max(replayed) == budget
    assert bank.load_with_report(account)[1].events_replayed <= every - 1


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: tradeoff(10, True), "every must be an int >= 1"),
        (lambda: replayed_per_load(0, 5), "stream_length must be an int >= 1"),
        (lambda: fewest_writes_within(10, -1), "max_replay must be an int >= 0"),
        (lambda: fewest_writes_within(10, 2, largest_append=0), "largest_append must be an"),
        (lambda: fewest_writes_within(10, 2, largest_append=4), "allow max_replay >= 3"),
        (lambda: snapshot_panel(stream_length=9_000), "raise max_length"),
    ],
)
def test_bad_arguments_say_what_to_pass(call: Callable[[], Any], words: str) -> None:
    with pytest.raises(InvalidArgument, match=words):
        call()
