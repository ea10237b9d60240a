"""The reference note's snapshots (one row per account) against esbank's (one per version).

Pure functions over snapshot versions: which snapshot a load as of a version can start from,
and how many events it then replays.
"""

from __future__ import annotations

import pandas as pd

from esbank.domain.arguments import require_int


def replayed(target: int, snapshot_versions: list[int]) -> int:
    """Events a load as of ``target`` replays: from the newest snapshot at or below it."""
    start = max((v for v in snapshot_versions if v <= target), default=0)
    return target - start


def policies_compared(stream_length: int, every: int, targets: list[int]) -> pd.DataFrame:
    """Loads as of each target on a stream of ``stream_length`` events with a snapshot taken
    every ``every`` events: esbank keeps every snapshot row, the note's table keeps only the
    latest (an upsert on ``aggregate_id``)."""
    length = require_int("stream_length", stream_length, minimum=1)
    interval = require_int("every", every, minimum=1)
    kept = list(range(interval, length + 1, interval))
    latest = kept[-1:]
    rows = [
        (target, replayed(target, kept), replayed(target, latest))
        for target in (require_int("target", t, minimum=1, maximum=length) for t in targets)
    ]
    frame = pd.DataFrame(rows, columns=["as_of_version", "esbank_replays", "note_replays"])
    frame.attrs["rows"] = {"esbank": len(kept), "note": len(latest)}
    return frame
