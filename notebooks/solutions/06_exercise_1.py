"""Notebook 06, exercise 1 (solution): a projection of the largest withdrawal per account."""

import duckdb


class LargestWithdrawal:
    """Per account that ever withdrew: the largest single withdrawal, in cents."""

    name = "largest_withdrawal"
    tables = ("largest_withdrawals",)

    def create(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS largest_withdrawals "
            "(aggregate_id UUID PRIMARY KEY, amount BIGINT NOT NULL)"
        )

    def apply(self, conn: duckdb.DuckDBPyConnection, source: str) -> None:
        # Withdrawals carry a negative change: the largest one is max(-change). A batch only
        # sees its own events, so merge with the table: keep the larger of old and new.
        conn.execute(
            f"""
            INSERT INTO largest_withdrawals
            SELECT CAST(aggregate_id AS UUID), max(-change)
            FROM {source}
            WHERE event_type = 'MoneyWithdrawn'
            GROUP BY aggregate_id
            ON CONFLICT (aggregate_id) DO UPDATE SET
                amount = greatest(largest_withdrawals.amount, excluded.amount)
            """
        )
