"""SQL pieces that read the events table the same way on DuckDB and PostgreSQL."""

from __future__ import annotations

from esbank.domain.events import EVENT_TYPES

# The money each event moves, signed: + into the account, − out of it (current payloads).
SIGNED_CHANGE = """CASE event_type
    WHEN 'AccountOpened'  THEN CAST(payload->>'initial_balance' AS BIGINT)
    WHEN 'MoneyDeposited' THEN CAST(payload->>'amount' AS BIGINT)
    WHEN 'MoneyWithdrawn' THEN -CAST(payload->>'amount' AS BIGINT)
    ELSE 0
END"""

# The account's event types (a transfer's own stream moves no account's money).
ACCOUNT_TYPES = "(" + ", ".join(f"'{cls.event_type}'" for cls in EVENT_TYPES) + ")"
