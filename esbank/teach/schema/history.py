"""The "old application" of notebook 05: the rows earlier releases of esbank left behind.

Earlier releases wrote events in shapes the current code no longer writes: the old type name
``AccountCreated``, ``AccountOpened`` without an opening balance, deposits in float euros and
then in ``amount_cents``. :data:`LEGACY_ROWS` is that history, :func:`write_legacy_history`
writes it as those releases did, and :func:`write_as_current` writes the same facts the way
the current code would, for comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from esbank.domain.errors import InvalidArgument
from esbank.domain.events import AccountOpened, MoneyDeposited, MoneyWithdrawn
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.inspection import require_store
from esbank.eventstore.types import ANY
from esbank.teach.determinism import SequentialIds, StepClock
from esbank.teach.legacy_rows import LegacyRow, require_rows, write_rows

LEGACY_START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
"""When the old application wrote its first row (the current code's clock starts in 2026)."""
LEGACY_STEP = timedelta(days=30)
"""Time between two rows of the old application: its history spans most of a year."""
LEGACY_ID_PREFIX = 0x01D
"""Prefix of the event ids the old application gave its rows (``001d0000-…``)."""

LEGACY_ACCOUNTS: dict[str, UUID] = {
    "Ada": UUID("00ac0000-0000-0000-0000-000000000001"),
    "Bo": UUID("00ac0000-0000-0000-0000-000000000002"),
    "Cy": UUID("00ac0000-0000-0000-0000-000000000003"),
}
"""The accounts of the old application's history, by owner."""


def _rows() -> tuple[LegacyRow, ...]:
    ada, bo, cy = LEGACY_ACCOUNTS["Ada"], LEGACY_ACCOUNTS["Bo"], LEGACY_ACCOUNTS["Cy"]
    return (
        # The prototype: the event was still called AccountCreated, deposits were float euros.
        LegacyRow(ada, "AccountCreated", 1, {"owner": "Ada"}, "prototype", AccountOpened("Ada")),
        LegacyRow(
            ada, "MoneyDeposited", 1, {"amount_eur": 25.1}, "prototype", MoneyDeposited(2510)
        ),
        LegacyRow(
            ada, "MoneyDeposited", 1, {"amount_eur": 1200.0}, "prototype", MoneyDeposited(120_000)
        ),
        # Release 1.0: the name AccountOpened, still no opening balance, still float euros.
        LegacyRow(bo, "AccountOpened", 1, {"owner": "Bo"}, "1.0", AccountOpened("Bo")),
        LegacyRow(bo, "MoneyDeposited", 1, {"amount_eur": 19.99}, "1.0", MoneyDeposited(1999)),
        LegacyRow(ada, "MoneyWithdrawn", 1, {"amount": 2010}, "1.0", MoneyWithdrawn(2010)),
        # Release 2.0: an opening balance (AccountOpened v2) and int cents (MoneyDeposited v2).
        LegacyRow(
            cy,
            "AccountOpened",
            2,
            {"owner": "Cy", "initial_balance": 50_000},
            "2.0",
            AccountOpened("Cy", 50_000),
        ),
        LegacyRow(ada, "MoneyDeposited", 2, {"amount_cents": 4000}, "2.0", MoneyDeposited(4000)),
        LegacyRow(
            bo, "MoneyDeposited", 2, {"amount_cents": 150_000}, "2.0", MoneyDeposited(150_000)
        ),
        LegacyRow(cy, "MoneyWithdrawn", 1, {"amount": 12_500}, "2.0", MoneyWithdrawn(12_500)),
    )


LEGACY_ROWS: tuple[LegacyRow, ...] = _rows()
"""What the prototype and releases 1.0 and 2.0 left in the events table, oldest first."""


@dataclass(frozen=True, slots=True)
class LegacyHistory:
    """What :func:`write_legacy_history` wrote: the accounts, and the positions of the rows."""

    accounts: dict[str, UUID]
    positions: tuple[int, ...]


def legacy_clock() -> StepClock:
    """The old application's clock: from :data:`LEGACY_START`, one :data:`LEGACY_STEP` a row."""
    return StepClock(LEGACY_START, LEGACY_STEP)


def legacy_ids() -> SequentialIds:
    """The old application's event ids: ``001d0000-0000-0000-0000-000000000001``, …"""
    return SequentialIds(prefix=LEGACY_ID_PREFIX)


def write_legacy_history(
    store: DuckDBEventStore,
    *,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], UUID] | None = None,
) -> LegacyHistory:
    """Write :data:`LEGACY_ROWS`, the old application's history, into ``store``.

    Times default to :func:`legacy_clock` (January to October 2025), event ids to
    :func:`legacy_ids`.
    """
    positions = write_rows(
        store, LEGACY_ROWS, clock=clock or legacy_clock(), new_id=new_id or legacy_ids()
    )
    return LegacyHistory(dict(LEGACY_ACCOUNTS), positions)


def write_as_current(store: DuckDBEventStore, rows: Sequence[LegacyRow]) -> tuple[int, ...]:
    """Append the fact each row stands for (``row.means``) through the store, in order.

    This is the same history as the current code would have written it: current type names,
    current schema versions, the store's own clock and ids. Returns the positions.
    """
    store = require_store(store)
    positions = []
    for i, row in enumerate(require_rows(rows)):
        if row.means is None:
            raise InvalidArgument(
                f"rows[{i}] ({row.event_type} v{row.schema_version}) stands for no event "
                "(means=None); leave it out"
            )
        result = store.append(row.aggregate_id, [row.means], expected_version=ANY)
        positions.append(result.last_position)
    return tuple(positions)
