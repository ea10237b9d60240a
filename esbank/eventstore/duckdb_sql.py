"""The DuckDB store's SQL seam: read-model transactions, statements, bulk loads, named queries.

The application layer never writes SQL over the ``events`` table itself: it asks the store for
a named query (``store.named("balance_changes")``) in the store's own dialect, runs read-model
SQL through ``transaction``/``sql``/``query``, and bulk-loads rows through ``bulk_load``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

import duckdb
import pandas as pd

from esbank.domain.errors import InvalidArgument
from esbank.eventstore.bulk import bulk_types, check_event_frame
from esbank.eventstore.codec import EventRegistry, where
from esbank.eventstore.duckdb_rows import COLUMN_NAMES, COLUMNS
from esbank.eventstore.errors import CorruptEvent, InvalidAppend, StoreError
from esbank.eventstore.sql_fragments import ACCOUNT_TYPES as _ACCOUNT_TYPES
from esbank.eventstore.sql_fragments import SIGNED_CHANGE as _SIGNED_CHANGE

if TYPE_CHECKING:
    from esbank.eventstore.duckdb_store import DuckDBEventStore



NAMED: dict[str, str] = {
    # The whole log in the shape of a projector batch (BATCH_COLUMNS), for set-based rebuilds.
    "log_as_batch": f"""(
    SELECT position, aggregate_id, version, recorded_at, event_type,
           CASE WHEN event_type = 'AccountOpened' THEN payload->>'owner' END AS owner,
           CAST({_SIGNED_CHANGE} AS BIGINT) AS change,
           event_type = 'AccountClosed' AS closes
    FROM events WHERE event_type IN {_ACCOUNT_TYPES}
)""",
    # Parameters: amount, start, start, end, end.
    "deposits_over": (
        "SELECT position, aggregate_id, version, CAST(payload->>'amount' AS BIGINT) AS amount, "
        "recorded_at FROM events WHERE event_type = 'MoneyDeposited' "
        "AND CAST(payload->>'amount' AS BIGINT) > ? "
        "AND (? IS NULL OR recorded_at >= ?) AND (? IS NULL OR recorded_at < ?) "
        "ORDER BY position"
    ),
    # Parameter: the account id.
    "daily_closing_balances": f"""
        WITH running AS (
            SELECT CAST(recorded_at AS DATE) AS day, version,
                   CAST(sum({_SIGNED_CHANGE}) OVER (ORDER BY version) AS BIGINT) AS balance
            FROM events WHERE aggregate_id = ?
        )
        SELECT day, arg_max(balance, version) AS closing_balance, CAST(count(*) AS BIGINT) AS events
        FROM running GROUP BY day ORDER BY day
        """,
    # Lifetime totals per account, summed in HUGEINT (a lifetime may pass int64).
    "balance_changes": f"""
        SELECT aggregate_id,
               CAST(count(*) FILTER (WHERE ({_SIGNED_CHANGE}) <> 0) AS BIGINT),
               coalesce(sum(CAST({_SIGNED_CHANGE} AS HUGEINT))
                   FILTER (WHERE ({_SIGNED_CHANGE}) > 0), 0),
               coalesce(-sum(CAST({_SIGNED_CHANGE} AS HUGEINT))
                   FILTER (WHERE ({_SIGNED_CHANGE}) < 0), 0),
               sum(CAST({_SIGNED_CHANGE} AS HUGEINT))
        FROM events WHERE event_type IN {_ACCOUNT_TYPES}
        GROUP BY aggregate_id ORDER BY aggregate_id
        """,
}


def _uuid_from_halves(column: str) -> str:
    return f"CAST((CAST({column}_high AS UHUGEINT) << 64) | {column}_low AS UUID)"


def _payload_sql(registry: EventRegistry) -> str:
    """SQL that writes each event's payload as ``encode`` would (keys sorted), compactly."""
    cases = []
    for name in sorted(bulk_types(registry)):
        fields = sorted(f.name for f in dataclasses.fields(registry.classes[name]))
        pairs = ", ".join(f"'{f}', {f}" for f in fields)
        cases.append(f"WHEN '{name}' THEN CAST(json_object({pairs}) AS VARCHAR)")
    return "CASE event_type " + " ".join(cases) + " END"


class DuckDBBulkLoad:
    """One all-or-nothing bulk load: what the log holds now, and one INSERT per frame."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, registry: EventRegistry) -> None:
        self._conn = conn
        self._registry = registry

    def insert_events(self, frame: pd.DataFrame) -> None:
        """Insert events given by their fields (columns ``EVENT_FRAME_COLUMNS``: ids as two
        unsigned 64-bit halves, ``recorded_at`` in UTC, ``metadata`` JSON text, one column per
        event field) with one statement: DuckDB writes each payload at the type's current
        schema version. The rows must be valid events; a bulk load trusts its caller."""
        check_event_frame(frame, self._registry)
        versions = " ".join(
            f"WHEN '{name}' THEN {cls.schema_version}"
            for name, cls in sorted(self._registry.classes.items())
        )
        name = f"esbank_bulk_{id(frame):x}"
        self._conn.register(name, frame)
        try:
            self._conn.execute(
                f"INSERT INTO events ({COLUMNS}) SELECT position, "
                f"{_uuid_from_halves('aggregate_id')}, version, {_uuid_from_halves('event_id')}, "
                f"event_type, CASE event_type {versions} END, {_payload_sql(self._registry)}, "
                f"metadata, recorded_at FROM {name} ORDER BY position"
            )
        finally:
            # (in a transaction a failed statement aborted, this fails too: say the first error)
            with contextlib.suppress(duckdb.Error):
                self._conn.unregister(name)

    def head(self) -> int:
        """The newest position (0 for an empty log), as this load sees it."""
        return int(
            self._conn.execute("SELECT coalesce(max(position), 0) FROM events").fetchall()[0][0]
        )

    def stream_version(self, aggregate_id: UUID) -> int:
        """The stream's last version (0 when it has no events), as this load sees it."""
        rows = self._conn.execute(
            "SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = ?", [aggregate_id]
        ).fetchall()
        return int(rows[0][0])

    def insert(self, frame: pd.DataFrame) -> None:
        """Insert the rows of ``frame`` (columns ``COLUMN_NAMES``; ids and JSON
        as text, ``recorded_at`` in UTC) with one statement, in position order."""
        if list(frame.columns) != COLUMN_NAMES:
            raise InvalidAppend(f"a bulk load takes the columns {COLUMNS}")
        name = f"esbank_bulk_{id(frame):x}"
        self._conn.register(name, frame)
        try:
            self._conn.execute(
                f"INSERT INTO events ({COLUMNS}) SELECT position, CAST(aggregate_id AS UUID), "
                "version, CAST(event_id AS UUID), event_type, schema_version, payload, "
                f"metadata, recorded_at FROM {name} ORDER BY position"
            )
        finally:
            # (in a transaction a failed statement aborted, this fails too: say the first error)
            with contextlib.suppress(duckdb.Error):
                self._conn.unregister(name)


class DuckDBSqlSide:
    """The read-model connection of a ``DuckDBEventStore`` (mixed into it)."""

    dialect = "duckdb"

    @contextmanager
    def transaction(
        self: DuckDBEventStore,
        frames: Mapping[str, pd.DataFrame] | None = None,
        *,
        bulk: bool = False,
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run the block in one transaction on the read-model connection, under the writer
        lock: COMMIT at the end, ROLLBACK on any error. ``frames`` are registered as relations
        of those names for the block; ``bulk`` lets DuckDB use every core meanwhile (a rebuild).
        Appends made meanwhile (even from inside the block) commit on their own connection and
        are never rolled back with it."""
        with self._using("a read-model transaction"):
            conn = self._side
            for name, frame in (frames or {}).items():
                conn.register(name, frame)
            if bulk:
                conn.execute("RESET threads")
            try:
                conn.execute("BEGIN TRANSACTION")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                for name in frames or {}:
                    conn.unregister(name)
                if bulk and self.threads is not None:
                    conn.execute(f"SET threads = {self.threads}")

    def sql(
        self: DuckDBEventStore, sql: str, parameters: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run one statement on the read-model connection and return all its rows."""
        with self._using("a read-model statement"):
            return self._side.execute(sql, list(parameters)).fetchall()

    def query(
        self: DuckDBEventStore,
        sql: str,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        text_as_str: bool = False,
    ) -> pd.DataFrame:
        """Run a SQL query on the store's database and return a DataFrame.

        With ``text_as_str`` text columns are ``str`` whether or not the answer has rows
        (DuckDB gives an empty answer object columns), so a caller sees the same dtypes every
        time."""
        with self._using("a query"):
            result = self._side.execute(sql, parameters if parameters is not None else [])
            text = [d[0] for d in result.description or [] if str(d[1]) == "VARCHAR"]
            frame = result.df()
        return frame.astype({c: "str" for c in text}) if text and text_as_str else frame

    def named(self, name: str) -> str:
        """The SQL of a named query over the events table, in this store's dialect."""
        if name not in NAMED:
            raise StoreError(f"no query named {name!r}; the store knows {sorted(NAMED)}")
        return NAMED[name]

    def log_as_batch(
        self: DuckDBEventStore, conn: duckdb.DuckDBPyConnection, current: Mapping[str, int]
    ) -> str:
        """The whole log as a batch relation for a set-based rebuild, after checking on
        ``conn`` that SQL can read every row as stored: every row at its type's ``current``
        schema version, and no payload naming a key twice (SQL's ``->>`` takes the first of
        two equal keys, Python the last)."""
        stored = conn.execute(
            "SELECT event_type, schema_version, count(*) FROM events "
            "GROUP BY event_type, schema_version ORDER BY event_type, schema_version"
        ).fetchall()
        old = [(t, v, n) for t, v, n in stored if current.get(t) != v]
        if old:
            listed = ", ".join(f"{n} {t} v{v}" for t, v, n in old)
            raise InvalidArgument(
                f"the log holds rows SQL cannot read as they are ({listed}); rebuild through "
                "the batch path (Projector.rebuild), which upcasts, or migrate the store first"
            )
        # Only a payload with two colons can name two keys: the CASE parses just those (the
        # JSON functions are the costly part of this scan; a CASE runs its THEN lazily).
        twice = conn.execute(
            "SELECT position, aggregate_id, version FROM events WHERE CASE WHEN "
            "strlen(CAST(payload AS VARCHAR)) - strlen(replace(CAST(payload AS VARCHAR), ':', "
            "'')) > 1 THEN len(json_keys(payload)) <> len(list_distinct(json_keys(payload))) "
            "ELSE false END ORDER BY position LIMIT 1"
        ).fetchall()
        if twice:
            raise CorruptEvent(
                f"the payload at {where(*twice[0])} names a key twice (duplicate keys), so it "
                "has no one meaning; repair that row before rebuilding"
            )
        return NAMED["log_as_batch"]

    @contextmanager
    def bulk_load(self: DuckDBEventStore) -> Iterator[DuckDBBulkLoad]:
        """One all-or-nothing bulk load on the store's own connection, under the writer lock,
        with all of DuckDB's threads: COMMIT at the end, ROLLBACK on any error (an interrupted
        load leaves nothing behind); then restore the thread setting and forget what the
        writer remembered."""
        with self._using("a bulk load") as conn:
            conn.execute("RESET threads")
            conn.execute("BEGIN TRANSACTION")
            try:
                yield DuckDBBulkLoad(conn, self.registry)
                conn.execute("COMMIT")
                self._db.appended.notify_all()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            finally:
                if self.threads is not None:
                    conn.execute(f"SET threads = {self.threads}")
                self._db.forget()
