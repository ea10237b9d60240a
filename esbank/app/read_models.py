"""The read side: three read models kept by projections, and queries that read only them.

Each projection's ``apply`` is one or two set-based statements over a batch relation with the
columns of ``projections.BATCH_COLUMNS``; the same SQL rebuilds a read model from the whole log.
Queries never touch the ``events`` table or the ``Bank``: that is the CQRS split.

The SQL is DuckDB's; where PostgreSQL's dialect differs (``arg_max``, ``* REPLACE``, HUGEINT,
``GROUP BY ALL``), a projection picks its statement by the dialect of the connection it is
handed (``dialect_of``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

import pandas as pd

from esbank.app.frames import exact_frame
from esbank.domain.arguments import (
    require_int,
    require_optional_int,
    require_seconds,
    require_uuid,
)
from esbank.domain.errors import EsbankError, InvalidArgument
from esbank.eventstore.errors import UnknownTable
from esbank.eventstore.protocol import Sql, SqlStore


def dialect_of(conn: Sql) -> str:
    """The SQL dialect of a read-model connection: a PostgreSQL store's connection says
    ``"postgres"``; a DuckDB connection carries no such attribute and is ``"duckdb"``."""
    return str(getattr(conn, "dialect", "duckdb"))


class AccountBalances:
    """Per account: owner, balance, version, closed flag and the time of the last event."""

    name = "balances"
    tables = ("account_balances",)

    def create(self, conn: Sql) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS account_balances (aggregate_id UUID PRIMARY KEY, "
            "owner TEXT, balance BIGINT NOT NULL, version BIGINT NOT NULL, "
            "is_closed BOOLEAN NOT NULL, last_activity TIMESTAMPTZ NOT NULL)"
        )

    def apply(self, conn: Sql, source: str) -> None:
        conn.execute(
            f"""
            INSERT INTO account_balances
            SELECT CAST(aggregate_id AS UUID), max(owner), CAST(sum(change) AS BIGINT),
                   max(version), bool_or(closes), max(recorded_at)
            FROM {source} GROUP BY aggregate_id
            ON CONFLICT (aggregate_id) DO UPDATE SET
                owner = coalesce(excluded.owner, account_balances.owner),
                balance = account_balances.balance + excluded.balance,
                version = excluded.version,
                is_closed = account_balances.is_closed OR excluded.is_closed,
                last_activity = excluded.last_activity
            """
        )


class AccountStatement:
    """One row per event with the money it moved and the running balance after it."""

    name = "statement"
    tables = ("account_statement",)

    def create(self, conn: Sql) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS account_statement (aggregate_id UUID NOT NULL, "
            "version BIGINT NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, "
            "event_type TEXT NOT NULL, change BIGINT NOT NULL, balance BIGINT NOT NULL, "
            "PRIMARY KEY (aggregate_id, version))"
        )

    def apply(self, conn: Sql, source: str) -> None:
        if dialect_of(conn) == "postgres":
            conn.execute(_POSTGRES_STATEMENT.format(source=source))
            return
        conn.execute(
            f"""
            INSERT INTO account_statement
            WITH batch AS (SELECT * REPLACE (CAST(aggregate_id AS UUID) AS aggregate_id)
                           FROM {source}),
                 before AS (SELECT aggregate_id, arg_max(balance, version) AS balance
                            FROM account_statement
                            WHERE aggregate_id IN (SELECT aggregate_id FROM batch)
                            GROUP BY aggregate_id)
            SELECT b.aggregate_id, b.version, b.position, b.recorded_at, b.event_type, b.change,
                   CAST(coalesce(p.balance, 0) + sum(b.change) OVER (
                       PARTITION BY b.aggregate_id ORDER BY b.version) AS BIGINT)
            FROM batch b LEFT JOIN before p USING (aggregate_id)
            """
        )


class DailyTotals:
    """Per account and UTC day: money deposited, money withdrawn, number of events.

    The day's totals are HUGEINT: every amount fits in int64, but a day's sum of them need not
    (deposit the maximum, withdraw it, deposit it again), and a read model must never refuse a
    valid history.
    """

    name = "daily_totals"
    tables = ("daily_totals",)

    def create(self, conn: Sql) -> None:
        money = "NUMERIC" if dialect_of(conn) == "postgres" else "HUGEINT"
        conn.execute(
            "CREATE TABLE IF NOT EXISTS daily_totals (aggregate_id UUID NOT NULL, "
            f"day DATE NOT NULL, deposits {money} NOT NULL, withdrawals {money} NOT NULL, "
            "events BIGINT NOT NULL, PRIMARY KEY (aggregate_id, day))"
        )

    def apply(self, conn: Sql, source: str) -> None:
        if dialect_of(conn) == "postgres":
            conn.execute(_POSTGRES_DAILY.format(source=source))
            return
        conn.execute(
            f"""
            INSERT INTO daily_totals
            SELECT CAST(aggregate_id AS UUID), CAST(recorded_at AS DATE),
                   CAST(sum(CASE WHEN event_type = 'MoneyDeposited' THEN change ELSE 0 END)
                        AS HUGEINT),
                   CAST(sum(CASE WHEN event_type = 'MoneyWithdrawn' THEN -change ELSE 0 END)
                        AS HUGEINT),
                   count(*)
            FROM {source} GROUP BY ALL
            ON CONFLICT (aggregate_id, day) DO UPDATE SET
                deposits = daily_totals.deposits + excluded.deposits,
                withdrawals = daily_totals.withdrawals + excluded.withdrawals,
                events = daily_totals.events + excluded.events
            """
        )


# PostgreSQL's spelling of the two statements above whose DuckDB SQL it does not speak.
_POSTGRES_STATEMENT = """
    INSERT INTO account_statement
    WITH batch AS (SELECT position, CAST(aggregate_id AS UUID) AS aggregate_id, version,
                          recorded_at, event_type, change FROM {source}),
         before AS (SELECT DISTINCT ON (aggregate_id) aggregate_id, balance
                    FROM account_statement
                    WHERE aggregate_id IN (SELECT aggregate_id FROM batch)
                    ORDER BY aggregate_id, version DESC)
    SELECT b.aggregate_id, b.version, b.position, b.recorded_at, b.event_type, b.change,
           CAST(coalesce(p.balance, 0) + sum(b.change) OVER (
               PARTITION BY b.aggregate_id ORDER BY b.version) AS BIGINT)
    FROM batch b LEFT JOIN before p USING (aggregate_id)
"""
_POSTGRES_DAILY = """
    INSERT INTO daily_totals
    SELECT CAST(aggregate_id AS UUID), CAST(recorded_at AS DATE),
           sum(CASE WHEN event_type = 'MoneyDeposited' THEN CAST(change AS NUMERIC) ELSE 0 END),
           sum(CASE WHEN event_type = 'MoneyWithdrawn' THEN -CAST(change AS NUMERIC) ELSE 0 END),
           count(*)
    FROM {source} GROUP BY 1, 2
    ON CONFLICT (aggregate_id, day) DO UPDATE SET
        deposits = daily_totals.deposits + excluded.deposits,
        withdrawals = daily_totals.withdrawals + excluded.withdrawals,
        events = daily_totals.events + excluded.events
"""


def standard_projections() -> list[AccountBalances | AccountStatement | DailyTotals]:
    """The kit's three read models."""
    return [AccountBalances(), AccountStatement(), DailyTotals()]


class ReadModelStale(EsbankError):
    """A read model has not yet reached the position a reader asked for."""


_NO_READ_MODELS = (
    "the read models do not exist in this database yet; create a "
    "Projector(store, standard_projections()) on it and run it first"
)
# Read-your-own-writes waits at most this long: a reader should not hang on a stopped projector.
MAX_WAIT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Answer:
    """A query result with how fresh it is: ``stale`` when the read model was still behind."""

    value: pd.DataFrame
    checkpoint: int
    wanted_position: int | None
    stale: bool


class Queries:
    """Questions answered from the read models only (never from the events or the Bank)."""

    def __init__(self, store: SqlStore) -> None:
        if not isinstance(store, SqlStore):
            raise InvalidArgument(
                "queries read the read-model tables in the store's own database: give them a "
                f"DuckDBEventStore or PostgresEventStore, got {type(store).__name__}"
            )
        self.store = store

    def _frame(self, sql: str, params: list[object]) -> pd.DataFrame:
        try:
            return self.store.query(sql, params, text_as_str=True)
        except UnknownTable:
            raise ReadModelStale(_NO_READ_MODELS) from None

    def checkpoint(self, projection: str) -> int:
        """How far projection ``projection`` has applied the log (0 if it never ran)."""
        try:
            rows = self._frame(
                "SELECT position FROM projection_checkpoints WHERE name = ?", [projection]
            )
        except ReadModelStale:  # no projector has ever run on this database
            return 0
        return int(rows["position"].iloc[0]) if len(rows) else 0

    def balance(
        self,
        account_id: UUID,
        *,
        min_position: int | None = None,
        timeout: float = 0.0,
        allow_stale: bool = False,
    ) -> Answer:
        """The account's row in ``account_balances``.

        Read-your-own-writes: with ``min_position`` (the ``position`` a command returned),
        wait up to ``timeout`` seconds for the balances projection to reach it; if it has not,
        raise ``ReadModelStale``, or with ``allow_stale=True`` answer and say it is stale.
        """
        require_uuid("account_id", account_id)
        checkpoint = self._wait("balances", min_position, timeout)
        stale = min_position is not None and checkpoint < min_position
        if stale and not allow_stale:
            raise ReadModelStale(
                f"the balances read model is at position {checkpoint}, but your write is at "
                f"position {min_position}; run the projector (or wait longer), or pass "
                "allow_stale=True to read the older answer knowingly"
            )
        frame = self._frame(
            "SELECT aggregate_id, owner, balance, version, is_closed, last_activity "
            "FROM account_balances WHERE aggregate_id = ? ORDER BY aggregate_id",
            [account_id],
        )
        return Answer(frame, checkpoint, min_position, stale)

    def _wait(self, projection: str, position: int | None, timeout: float) -> int:
        require_optional_int("min_position", position, minimum=0)
        require_seconds("timeout", timeout, maximum=MAX_WAIT_SECONDS)
        deadline = time.monotonic() + timeout
        checkpoint = self.checkpoint(projection)
        while position is not None and checkpoint < position and time.monotonic() < deadline:
            time.sleep(min(0.01, max(0.0, deadline - time.monotonic())))
            checkpoint = self.checkpoint(projection)
        return checkpoint

    def statement(self, account_id: UUID) -> pd.DataFrame:
        """The account's statement: one row per event with the running balance."""
        require_uuid("account_id", account_id)
        return self._frame(
            "SELECT version, position, recorded_at, event_type, change, balance "
            "FROM account_statement WHERE aggregate_id = ? ORDER BY version",
            [account_id],
        )

    def daily_totals(self, account_id: UUID) -> pd.DataFrame:
        """The account's deposits, withdrawals and event count per UTC day.

        Money columns are int64 (exact Python ints, object dtype, in the rare answer where a
        day's total does not fit in int64).
        """
        require_uuid("account_id", account_id)
        try:
            rows = self.store.sql(
                "SELECT day, deposits, withdrawals, events FROM daily_totals "
                "WHERE aggregate_id = ? ORDER BY day",
                [account_id],
            )
        except UnknownTable:
            raise ReadModelStale(_NO_READ_MODELS) from None
        return exact_frame(
            rows,
            ["day", "deposits", "withdrawals", "events"],
            money=["deposits", "withdrawals"],
            dtypes={"day": "datetime64[us]", "events": "int64"},
        )

    def top_accounts(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` open accounts with the largest balances (ties by id)."""
        require_int("n", n, minimum=1)
        return self._frame(
            "SELECT aggregate_id, owner, balance, version FROM account_balances "
            "WHERE NOT is_closed ORDER BY balance DESC, aggregate_id LIMIT ?",
            [n],
        )
