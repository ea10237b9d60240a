"""What DuckDB really does with the reference note's ``INSERT … ON CONFLICT DO NOTHING`` when
two writers want the same version: three interleavings played step by step, and a tally of
real threads racing.

Each run gets a fresh in-memory database with the note's key, and two cursors of one
connection as the two writers (a cursor is a connection of its own, with its own transaction).
"""

from __future__ import annotations

import threading
from collections import Counter
from uuid import UUID

import duckdb
import pandas as pd

TABLE = (
    "CREATE TABLE events (aggregate_id UUID, version BIGINT, event_type TEXT, payload JSON, "
    "PRIMARY KEY (aggregate_id, version))"
)
NOTE_INSERT = (
    "INSERT INTO events VALUES (?, ?, ?, ?) ON CONFLICT (aggregate_id, version) DO NOTHING"
)
STREAM = UUID(int=0xACC)
WON = "1 row(s)"
LOSER = "the loser's INSERT … DO NOTHING"
COLUMNS = ["interleaving", "A's INSERT … DO NOTHING", "A's COMMIT", "rows at version 2"]


def _run(cursor: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> str:
    """Run one statement; what it reported: a row count, ``ok``, or the error's class name."""
    try:
        cursor.execute(sql, params or [])
    except duckdb.Error as exc:
        return type(exc).__name__
    if sql.startswith("INSERT"):
        return f"{cursor.rowcount} row(s)"
    return "no error"


def _fresh() -> tuple[
    duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection
]:
    """A new database holding version 1 of the stream, and two writers' cursors."""
    db = duckdb.connect()
    db.execute(TABLE)
    db.execute(NOTE_INSERT, [STREAM, 1, "AccountOpened", "{}"])
    return db, db.cursor(), db.cursor()


def _row(db: duckdb.DuckDBPyConnection) -> int:
    (count,) = db.execute(
        "SELECT count(*) FROM events WHERE aggregate_id = ? AND version = 2", [STREAM]
    ).fetchone() or (0,)
    return int(count)


def _insert(cursor: duckdb.DuckDBPyConnection, who: str) -> str:
    return _run(cursor, NOTE_INSERT, [STREAM, 2, "MoneyWithdrawn", f'{{"by": "{who}"}}'])


def _b_commits_first() -> tuple[str, str, str, int]:
    db, a, b = _fresh()
    _insert(b, "B")
    return ("B commits, then A inserts (autocommit)", _insert(a, "A"), "(autocommit)", _row(db))


def _b_commits_while_a_reads() -> tuple[str, str, str, int]:
    db, a, b = _fresh()
    a.execute("BEGIN")
    a.execute("SELECT max(version) FROM events WHERE aggregate_id = ?", [STREAM]).fetchall()
    _insert(b, "B")
    inserted = _insert(a, "A")
    name = "A reads in a transaction, B commits, A inserts"
    return (name, inserted, _run(a, "COMMIT"), _row(db))


def _both_insert() -> tuple[str, str, str, int]:
    db, a, b = _fresh()
    a.execute("BEGIN")
    b.execute("BEGIN")
    inserted = _insert(a, "A")
    _insert(b, "B")
    _run(b, "COMMIT")
    name = "A and B both insert, B commits, A commits"
    return (name, inserted, _run(a, "COMMIT"), _row(db))


def scripted_clashes() -> pd.DataFrame:
    """A and B both append version 2, in three orders; what A's statements report each time.

    1. B commits before A's INSERT starts (A in autocommit): DO NOTHING, 0 rows.
    2. B commits after A's transaction has read the table: A's INSERT raises
       ``ConstraintException``, DO NOTHING or not.
    3. Both insert before either commits: both INSERTs report 1 row, B commits first and
       A's COMMIT raises ``TransactionException``.
    """
    rows = [_b_commits_first(), _b_commits_while_a_reads(), _both_insert()]
    return pd.DataFrame(rows, columns=COLUMNS)


def race_tally(rounds: int = 500) -> pd.DataFrame:
    """Two threads, each on its own cursor, run the note's INSERT for the same new version
    at the same moment, ``rounds`` times; how the loser learned it lost, counted.

    Each round also checks that exactly one row went in. The counts depend on how the
    threads were scheduled, so they change from run to run.
    """
    db = duckdb.connect()
    db.execute(TABLE)
    start = threading.Barrier(2)
    end = threading.Barrier(2)
    seen: list[list[str]] = [[], []]

    def writer(i: int, cursor: duckdb.DuckDBPyConnection) -> None:
        for version in range(1, rounds + 1):
            start.wait()
            seen[i].append(_run(cursor, NOTE_INSERT, [STREAM, version, "E", "{}"]))
            end.wait()

    threads = [threading.Thread(target=writer, args=(i, db.cursor())) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    losers: Counter[str] = Counter()
    single_winner = True
    for pair in zip(*seen, strict=True):
        single_winner &= pair.count(WON) == 1
        losers[pair[1] if pair[0] == WON else pair[0]] += 1
    (stored,) = db.execute("SELECT count(*) FROM events").fetchone() or (0,)
    frame = pd.DataFrame(sorted(losers.items()), columns=[LOSER, "rounds"])
    frame.attrs["one winner per round"] = single_winner and stored == rounds
    return frame
