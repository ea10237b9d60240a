"""Rows of the ``events`` table made to fit a notebook's width, every value still true.

A UUID is 36 characters, and a browser breaks it at its hyphens over four lines; a
``TIMESTAMPTZ`` prints with its ``+00:00``. :func:`compact_events` shortens each id to its last
digits (as few as keep the ids of its column apart, at least four) and writes times in UTC
without the offset; :func:`id_legend` gives the full id behind each short one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import pandas as pd

ID_COLUMNS = ("aggregate_id", "event_id")
TIME_COLUMNS = ("recorded_at",)
MIN_DIGITS = 4
ELLIPSIS = "…"


def _hex(value: object) -> str:
    return UUID(str(value)).hex


def suffix_digits(ids: Iterable[object], minimum: int = MIN_DIGITS) -> int:
    """How many trailing hex digits tell all of ``ids`` apart (at least ``minimum``)."""
    unique = {_hex(i) for i in ids}
    for digits in range(minimum, 33):
        if len({h[-digits:] for h in unique}) == len(unique):
            return digits
    return 32


def short_id(value: object, digits: int) -> str:
    """``…`` and the id's last ``digits`` hex digits, e.g. ``…0001``."""
    return ELLIPSIS + _hex(value)[-digits:]


def _utc(value: object) -> str:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def compact_events(
    frame: pd.DataFrame,
    *,
    ids: Sequence[str] = ID_COLUMNS,
    times: Sequence[str] = TIME_COLUMNS,
) -> pd.DataFrame:
    """``frame`` with its id columns shortened and its time columns in UTC as text.

    Each id column keeps as many digits as tell its own ids apart. Time columns are renamed
    ``<name> (UTC)``. Other columns are left as they are.
    """
    shown = frame.copy()
    for column in (c for c in ids if c in shown.columns):
        digits = suffix_digits(shown[column])
        shown[column] = [short_id(v, digits) for v in shown[column]]
    for column in (c for c in times if c in shown.columns):
        shown[column] = [_utc(v) for v in shown[column]]
        shown = shown.rename(columns={column: f"{column} (UTC)"})
    return shown


def id_legend(frame: pd.DataFrame, column: str = "aggregate_id") -> pd.DataFrame:
    """The distinct ids of ``column``, short (as :func:`compact_events` shows them) and full."""
    digits = suffix_digits(frame[column])
    full = list(dict.fromkeys(str(UUID(str(v))) for v in frame[column]))
    return pd.DataFrame({"shown as": [short_id(v, digits) for v in full], column: full})
