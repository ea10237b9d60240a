"""Audit questions answered in SQL over the log, as DataFrames, without loading aggregates.

These read the stored JSON payloads directly, which is fast and set-based: the log is the
truth, and SQL can ask it anything. (They read payloads as stored, so once event schemas
evolve they must know every stored schema version; the Bank's load path upcasts instead.)
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pandas as pd

from esbank.app.frames import exact_frame
from esbank.domain.arguments import INT64_MAX, is_int
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.duckdb_store import DuckDBEventStore

# The money each event moves, signed: + into the account, − out of it.
_SIGNED_CHANGE = """
CASE event_type
    WHEN 'AccountOpened'  THEN CAST(payload->>'initial_balance' AS BIGINT)
    WHEN 'MoneyDeposited' THEN CAST(payload->>'amount' AS BIGINT)
    WHEN 'MoneyWithdrawn' THEN -CAST(payload->>'amount' AS BIGINT)
    ELSE 0
END
"""


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise InvalidArgument(f"{name} must be a timezone-aware datetime, got {value!r}")


def deposits_over(
    store: DuckDBEventStore,
    amount: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """Deposits larger than ``amount`` cents recorded in ``[start, end)``, oldest first."""
    if not is_int(amount):
        raise InvalidArgument(f"amount must be an int number of cents, got {amount!r}")
    # Every deposit is 1..INT64_MAX cents, so any bound outside 0..INT64_MAX means the same
    # as its nearest end (and SQL never sees an int it cannot hold).
    amount = min(max(amount, 0), INT64_MAX)
    _aware("start", start)
    _aware("end", end)
    return store.query(
        "SELECT position, aggregate_id, version, CAST(payload->>'amount' AS BIGINT) AS amount, "
        "recorded_at FROM events WHERE event_type = 'MoneyDeposited' "
        "AND CAST(payload->>'amount' AS BIGINT) > ? "
        "AND (? IS NULL OR recorded_at >= ?) AND (? IS NULL OR recorded_at < ?) "
        "ORDER BY position",
        [amount, start, start, end, end],
    )


def daily_closing_balances(store: DuckDBEventStore, account_id: UUID) -> pd.DataFrame:
    """The account's balance at the end of each (UTC) day on which it had events."""
    if not isinstance(account_id, UUID):
        raise InvalidArgument(f"account_id must be a uuid.UUID, got {type(account_id).__name__}")
    return store.query(
        f"""
        WITH running AS (
            SELECT CAST(recorded_at AS DATE) AS day, version,
                   CAST(sum({_SIGNED_CHANGE}) OVER (ORDER BY version) AS BIGINT) AS balance
            FROM events WHERE aggregate_id = ?
        )
        SELECT day, arg_max(balance, version) AS closing_balance, CAST(count(*) AS BIGINT) AS events
        FROM running GROUP BY day ORDER BY day
        """,
        [account_id],
    )


def balance_changes(store: DuckDBEventStore) -> pd.DataFrame:
    """Per account: how many events changed its balance, and the money moved in and out.

    Money is summed in HUGEINT: every amount fits in int64, but an account's lifetime total
    need not (deposit the maximum, withdraw it, deposit again), and an audit must never refuse
    a valid history. The columns are int64, or exact Python ints where a total does not fit.
    """
    rows = store.sql(
        f"""
        SELECT aggregate_id,
               CAST(count(*) FILTER (WHERE ({_SIGNED_CHANGE}) <> 0) AS BIGINT),
               coalesce(sum(CAST({_SIGNED_CHANGE} AS HUGEINT))
                   FILTER (WHERE ({_SIGNED_CHANGE}) > 0), 0),
               coalesce(-sum(CAST({_SIGNED_CHANGE} AS HUGEINT))
                   FILTER (WHERE ({_SIGNED_CHANGE}) < 0), 0),
               sum(CAST({_SIGNED_CHANGE} AS HUGEINT))
        FROM events GROUP BY aggregate_id ORDER BY aggregate_id
        """
    )
    return exact_frame(
        rows,
        ["aggregate_id", "balance_changes", "money_in", "money_out", "balance"],
        money=["money_in", "money_out", "balance"],
        dtypes={"balance_changes": "int64"},
    )
