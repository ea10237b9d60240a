"""The snapshot trade-off of notebook 04, as a pure model: events replayed against rows written.

A load's *work* is the number of events it replays (``LoadReport.events_replayed``), the same
on every machine and every run. With a snapshot at every multiple of ``every`` (what
``Bank(snapshot_every=every)`` writes when events arrive one at a time, and what
``Bank.rebuild_snapshots`` writes), a load at version ``v`` starts from the snapshot at
``every * (v // every)`` and replays ``v % every`` events. The tests check this rule against
``Bank.load_with_report`` on a real store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from esbank.domain.arguments import require_int
from esbank.domain.errors import InvalidArgument

TRADEOFF_COLUMNS = ["every", "snapshot_writes", "latest_replay", "worst_replay", "mean_replay"]


def _every(value: object) -> int | None:
    """``None`` (no snapshots) or an interval >= 1."""
    return None if value is None else require_int("every", value, minimum=1)


def replayed_per_load(stream_length: int, every: int | None) -> list[int]:
    """Events replayed by a load at each version ``1 … stream_length``, oldest first.

    Snapshots sit at every multiple of ``every`` (``None``: no snapshots, so a load at
    version ``v`` replays all ``v`` events).
    """
    length, interval = require_int("stream_length", stream_length, minimum=1), _every(every)
    versions = range(1, length + 1)
    return list(versions) if interval is None else [v % interval for v in versions]


@dataclass(frozen=True, slots=True)
class Tradeoff:
    """What an interval costs and saves for one stream (a load once after every event)."""

    every: int | None
    stream_length: int
    snapshot_writes: int
    """Snapshot rows written while the stream grew: ``stream_length // every``."""
    latest_replay: int
    """Events the load of the newest state replays: ``stream_length % every``."""
    worst_replay: int
    """The most any load replays: ``min(stream_length, every - 1)``."""
    mean_replay: float
    """Events replayed per load, on average over the loads at versions ``1 … stream_length``."""


def tradeoff(stream_length: int, every: int | None) -> Tradeoff:
    """The cost (snapshot rows) and the saving (events replayed) of ``every`` for one stream."""
    length, interval = require_int("stream_length", stream_length, minimum=1), _every(every)
    if interval is None:
        return Tradeoff(None, length, 0, length, length, (length + 1) / 2)
    full, rest = divmod(length, interval)
    # Each full block of `interval` versions replays 0, 1, …, interval-1; the rest 1 … rest.
    total = full * interval * (interval - 1) // 2 + rest * (rest + 1) // 2
    return Tradeoff(interval, length, full, rest, min(length, interval - 1), total / length)


def snapshot_tradeoff(stream_length: int, intervals: Sequence[int | None]) -> pd.DataFrame:
    """One row per interval: snapshot rows written against events replayed per load.

    ``None`` in ``intervals`` is the row without snapshots (``every`` shows as <NA>).
    """
    rows = [tradeoff(stream_length, every) for every in intervals]
    frame = pd.DataFrame(
        [
            (r.every, r.snapshot_writes, r.latest_replay, r.worst_replay, round(r.mean_replay, 1))
            for r in rows
        ],
        columns=TRADEOFF_COLUMNS,
    )
    return frame.astype(
        {
            "every": "Int64",
            "snapshot_writes": "int64",
            "latest_replay": "int64",
            "worst_replay": "int64",
        }
    )


def fewest_writes_within(
    stream_length: int, max_replay: int, *, largest_append: int = 1
) -> int | None:
    """The interval with the fewest snapshot writes such that no load replays more than
    ``max_replay`` events; ``None`` when the stream is short enough to need no snapshot.

    A load of the newest state replays at most N − 1 events; a load as of an older version at
    most N + k − 2, where k is ``largest_append``, the most events one append (or batch) adds.
    So the answer is N = ``max_replay`` − k + 2 (``max_replay + 1`` when every append adds one
    event).
    """
    length = require_int("stream_length", stream_length, minimum=1)
    budget = require_int("max_replay", max_replay)
    k = require_int("largest_append", largest_append, minimum=1)
    if length <= budget:
        return None
    if budget < k - 1:
        raise InvalidArgument(
            f"no interval keeps every load within {budget} events when one append adds {k}: "
            f"a load as of a version inside such an append replays up to {k - 1} even with a "
            f"snapshot after every append; allow max_replay >= {k - 1} or append fewer at once"
        )
    return budget - k + 2
