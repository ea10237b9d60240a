"""Exact money in DataFrames: sums of int64 amounts can pass int64, and must not turn into floats.

DuckDB sums BIGINT into HUGEINT, and pandas would hold a HUGEINT column as float64 (losing
cents past 2⁵³). Money columns are read as Python ints instead, and kept as int64 when every
value fits, else as exact Python ints (object dtype).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

_INT64 = range(-(2**63), 2**63)


def exact_frame(
    rows: Sequence[tuple[Any, ...]],
    columns: Sequence[str],
    *,
    money: Sequence[str],
    dtypes: dict[str, str] | None = None,
) -> pd.DataFrame:
    """A DataFrame of ``rows`` whose ``money`` columns are exact integers."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    exact = {c: "int64" if all(int(v) in _INT64 for v in frame[c]) else object for c in money}
    return frame.astype({**(dtypes or {}), **exact})
