"""One snapshot row per aggregate against one per version: the events a load replays."""

from __future__ import annotations

import pytest

from esbank import InvalidArgument
from esbank.teach.postgres import policies_compared, replayed


def test_replayed_counts_from_the_newest_snapshot_at_or_below() -> None:
    assert replayed(12, [5, 10, 15]) == 2
    assert replayed(4, [5, 10]) == 4
    assert replayed(10, [5, 10]) == 0
    assert replayed(7, []) == 7


def test_the_notes_single_row_is_useless_below_it() -> None:
    frame = policies_compared(23, 5, [4, 7, 12, 18, 22, 23])
    assert frame.to_dict("list") == {
        "as_of_version": [4, 7, 12, 18, 22, 23],
        "esbank_replays": [4, 2, 2, 3, 2, 3],
        "note_replays": [4, 7, 12, 18, 2, 3],
    }
    assert frame.attrs["rows"] == {"esbank": 4, "note": 1}


@pytest.mark.parametrize(
    ("args", "why"),
    [((0, 5, [1]), "stream_length"), ((10, 0, [1]), "every"), ((10, 5, [11]), "target")],
)
def test_bad_arguments_are_refused(args: tuple, why: str) -> None:
    with pytest.raises(InvalidArgument, match=why):
        policies_compared(*args)
