"""Count the SQL statements a store runs: the cost of a command, without a stopwatch.

DuckDB charges a fixed cost per statement, so "how many statements per command" predicts
"how fast" and, unlike a timing, prints the same number on every machine and every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from esbank.eventstore.duckdb_store import DuckDBEventStore


@dataclass(slots=True)
class StatementLog:
    """The statements run inside a :func:`statement_log` block, oldest first."""

    statements: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many statements of each kind (first SQL keyword), e.g. ``{"INSERT": 1}``."""
        kinds = Counter(s.split(None, 1)[0].upper() for s in self.statements if s.strip())
        return dict(sorted(kinds.items()))

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def statement_log(store: DuckDBEventStore) -> Iterator[StatementLog]:
    """Record every statement ``store`` runs inside the ``with`` block (DuckDB's QueryLog).

    The log is filled when the block ends; the logging calls themselves are left out.
    """
    log = StatementLog()
    conn = store.connection
    conn.execute("CALL truncate_duckdb_logs()")
    conn.execute("CALL enable_logging('QueryLog')")
    try:
        yield log
    finally:
        conn.execute("CALL disable_logging()")
        rows = conn.execute(
            "SELECT message FROM duckdb_logs WHERE type = 'QueryLog' ORDER BY context_id"
        ).fetchall()
        conn.execute("CALL truncate_duckdb_logs()")
        log.statements.extend(
            message for (message,) in rows if not message.lstrip().upper().startswith("CALL ")
        )
