"""Events replayed and milliseconds per load, measured on a real store (notebooks 04, 08)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from esbank import InvalidArgument
from esbank.teach.replay_cost import COST_COLUMNS, TIMING_COLUMNS, replay_cost_table, time_loads
from teach.stores import GROWN_ACCOUNT, bank_grown_one_event_at_a_time


def test_replay_cost_table_is_measured_and_deterministic() -> None:
    lengths = [1, 40, 99, 100, 101, 250]
    table = replay_cost_table(lengths, 100)
    assert list(table.columns) == COST_COLUMNS
    assert table["stream_length"].tolist() == lengths
    assert table["replayed_without"].tolist() == lengths
    assert table["replayed_with"].tolist() == [1, 40, 99, 0, 1, 50]
    assert table["snapshot_version"].tolist()[3:] == [100, 100, 200]
    assert table["snapshot_version"].isna().tolist()[:3] == [True, True, True]
    pd.testing.assert_frame_equal(table, replay_cost_table(lengths, 100))


def test_replay_cost_table_agrees_with_separate_streams() -> None:
    """Loading as of version L does the work of loading a stream of L events."""
    table = replay_cost_table([7, 13], 5)
    for length, replayed in zip(table["stream_length"], table["replayed_with"], strict=True):
        bank = bank_grown_one_event_at_a_time(int(length), 5)
        assert bank.load_with_report(GROWN_ACCOUNT)[1].events_replayed == replayed


def test_time_loads_returns_milliseconds() -> None:
    table = time_loads([10, 200], 100, repeats=1)
    assert list(table.columns) == TIMING_COLUMNS
    assert table["stream_length"].tolist() == [10, 200]
    assert (table[["ms_without", "ms_with"]] > 0).all().all()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: replay_cost_table([], 10), "at least one"),
        (lambda: replay_cost_table("100", 10), "list of stream lengths"),
        (lambda: replay_cost_table([10, 0], 10), "stream length must be an int >= 1"),
        (lambda: replay_cost_table([10], 0), "every must be an int >= 1"),
        (lambda: time_loads([10], 10, repeats=0), "repeats must be an int >= 1"),
    ],
)
def test_bad_arguments_say_what_to_pass(call: Callable[[], Any], words: str) -> None:
    with pytest.raises(InvalidArgument, match=words):
        call()
