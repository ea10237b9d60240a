"""Time travel, notebook 03: an account as it was at a version or an instant, and why.

:func:`point_in_time` loads the state through ``Bank.load_with_report``, :func:`describe`
says in one line what was asked, where the replay stopped and what it did, and
:func:`plot_time_travel` draws the balance chart with a marker at the chosen version.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast
from uuid import UUID

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.app.bank import Bank
from esbank.app.snapshots import LoadReport
from esbank.domain.account import BankAccount
from esbank.domain.arguments import is_int, require_aware
from esbank.domain.errors import AccountNotOpen, InvalidArgument
from esbank.domain.money import format_cents
from esbank.eventstore.types import RecordedEvent
from esbank.teach.charts import plot_balance
from esbank.teach.describe import account_status

MOST_TYPE_LABELS = 8
"""Up to this many events the chart's x axis names each event's type; above it, versions only."""


def format_instant(instant: datetime) -> str:
    """An instant as UTC text to the second, e.g. ``2026-01-06 10:05:00 UTC``."""
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True, slots=True)
class PointInTime:
    """An account as it was at a chosen version or instant, and how that state was obtained.

    ``state`` and ``report`` are None when nothing had been recorded by ``as_of`` yet
    (``version`` is then 0).
    """

    account_id: UUID
    version: int
    stream_version: int
    state: BankAccount | None
    report: LoadReport | None
    as_of: datetime | None = None
    next_event: RecordedEvent | None = None
    """The first event not replayed (recorded later), or None at the newest version."""


def point_in_time(
    bank: Bank,
    account_id: UUID,
    *,
    as_of_version: int | None = None,
    as_of: datetime | None = None,
    records: Sequence[RecordedEvent] | None = None,
) -> PointInTime:
    """Load ``account_id`` as of a version or an instant (give one of them, or neither for now).

    The state comes from ``bank.load_with_report``. Version 0, or an instant before the
    account's first event, gives a ``PointInTime`` with no state (the account did not exist
    yet) instead of an error. ``records`` (the whole stream, if already read) saves reading it
    again.
    """
    if as_of_version is not None and as_of is not None:
        raise InvalidArgument("give as_of_version or as_of, not both")
    if as_of is not None:
        require_aware("as_of", as_of)
    stream = list(records) if records is not None else bank.store.read_stream(account_id)
    if not stream:
        raise AccountNotOpen(account_id, "time travel")
    before_first = (is_int(as_of_version) and as_of_version == 0) or (
        as_of is not None and bank.store.version_at(account_id, as_of) == 0
    )
    if before_first:
        return PointInTime(account_id, 0, len(stream), None, None, as_of, stream[0])
    state, report = bank.load_with_report(account_id, as_of_version=as_of_version, as_of=as_of)
    later = stream[state.version] if state.version < len(stream) else None
    return PointInTime(account_id, state.version, len(stream), state, report, as_of, later)


def _stop_rule(point: PointInTime) -> str:
    """Why a load as of an instant stopped where it did."""
    later = point.next_event
    if later is None:
        return "every event was recorded by then"
    return (
        f"the stream stops before v{later.version} ({later.event_type}), recorded later at "
        f"{format_instant(later.recorded_at)}"
    )


def describe(point: PointInTime) -> str:
    """One plain-text line: what was asked, the version reached, the state and the replay."""
    if point.as_of is not None:
        asked = f"As of {format_instant(point.as_of)}: {_stop_rule(point)}"
        if point.state is None or point.report is None:
            return f"{asked}, so no event had been recorded and the account did not exist yet."
        asked += f", so version {point.version} of {point.stream_version}"
    else:
        asked = f"As of version {point.version} of {point.stream_version}"
        if point.state is None or point.report is None:
            return f"{asked}: before the first event, so the account did not exist yet."
    state, report = point.state, point.report
    assert state is not None and report is not None
    start = (
        f"on top of the snapshot at v{report.snapshot_version}"
        if report.snapshot_version is not None
        else "from the first event"
    )
    return (
        f"{asked}: balance {format_cents(state.balance)} ({state.balance} cents), "
        f"{account_status(state)}; {report.events_replayed} event(s) replayed {start}."
    )


def _camel_lines(name: str) -> str:
    """``MoneyDeposited`` as ``Money\\nDeposited``: one word of the event type per line."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "\n", name)


def version_ticks(
    history: pd.DataFrame, *, most: int = MOST_TYPE_LABELS
) -> tuple[list[int], list[str]]:
    """The x ticks of the time-travel chart and their labels, legible at the panel's size.

    Up to ``most`` events: every version, with its event type one word per line (long types
    side by side ran together). More events: version numbers only, every k-th, at most
    ``most`` of them.
    """
    versions = history["version"].astype(int).tolist()
    if len(versions) <= most:
        types = history["event_type"].astype(str).tolist()
        return versions, [f"{v}\n{_camel_lines(t)}" for v, t in zip(versions, types, strict=True)]
    step = math.ceil(len(versions) / most)
    shown = versions[::step]
    return shown, [str(v) for v in shown]


def plot_time_travel(
    history: pd.DataFrame,
    version: int,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """The balance chart of ``Bank.history`` rows with a marker at ``version``.

    Events after ``version`` are shaded: a load as of that version does not replay them.
    """
    fig = plot_balance(history, ax=ax, title=title if title is not None else "")
    ax = cast(Axes, fig.axes[0] if ax is None else ax)
    versions = history["version"].astype(int).tolist()
    ticks, labels = version_ticks(history)
    ax.set_xticks(ticks, labels, fontsize=8)
    if not is_int(version) or version not in [0, *versions]:
        raise InvalidArgument(
            f"version must be 0 (before the first event) or one of the history's versions "
            f"{versions[0]}..{versions[-1]}, got {version!r}"
        )
    if version < versions[-1]:
        ax.axvspan(
            version + 0.5,
            versions[-1] + 0.5,
            color="0.6",
            alpha=0.2,
            zorder=0,
            label="later events: not replayed",
        )
    found = _mark(ax, history, version)
    ax.legend(loc="upper left", fontsize=8)
    if title is None:
        where = f"As of version {version}" if version else "Before version 1"
        ax.set_title(f"{where} of {versions[-1]}, {found}", fontsize=10)
    return fig


def _mark(ax: Axes, history: pd.DataFrame, version: int) -> str:
    """Circle the balance at ``version`` (none at 0); what was found there, for the title."""
    if version == 0:
        return "no event had been recorded yet: the account did not exist"
    balance = int(history.loc[history["version"] == version, "balance"].iloc[0])
    ax.axvline(version, color="tab:red", linestyle="--", linewidth=1)
    ax.plot(
        [version],
        [balance],
        "o",
        markersize=13,
        markerfacecolor="none",
        markeredgecolor="tab:red",
        markeredgewidth=2,
        label=f"as of version {version}: {balance:,} cents",
    )
    return f"the balance was {balance:,} cents ({format_cents(balance)})"
