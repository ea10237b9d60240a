"""Audit questions answered in SQL over the log, as DataFrames, without loading aggregates.

The store runs them (``store.named(...)``: the SQL lives with the store, in its dialect) over
the stored JSON payloads directly, which is fast and set-based: the log is the truth, and SQL
can ask it anything. (They read payloads as stored, so once event schemas evolve they must
know every stored schema version; the Bank's load path upcasts instead.)
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pandas as pd

from esbank.app.frames import exact_frame
from esbank.domain.arguments import INT64_MAX, is_int, require_optional_aware, require_uuid
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.protocol import SqlStore


def deposits_over(
    store: SqlStore,
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
    require_optional_aware("start", start)
    require_optional_aware("end", end)
    return store.query(store.named("deposits_over"), [amount, start, start, end, end])


def daily_closing_balances(store: SqlStore, account_id: UUID) -> pd.DataFrame:
    """The account's balance at the end of each (UTC) day on which it had events."""
    require_uuid("account_id", account_id)
    return store.query(store.named("daily_closing_balances"), [account_id])


def balance_changes(store: SqlStore) -> pd.DataFrame:
    """Per account: how many events changed its balance, and the money moved in and out.

    Money is summed in HUGEINT: every amount fits in int64, but an account's lifetime total
    need not (deposit the maximum, withdraw it, deposit again), and an audit must never refuse
    a valid history. The columns are int64, or exact Python ints where a total does not fit.
    """
    return exact_frame(
        store.sql(store.named("balance_changes")),
        ["aggregate_id", "balance_changes", "money_in", "money_out", "balance"],
        money=["money_in", "money_out", "balance"],
        dtypes={"balance_changes": "int64"},
    )
