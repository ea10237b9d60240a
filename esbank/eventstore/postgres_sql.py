"""The PostgreSQL store's SQL seam: ``?`` statements, read-model transactions, bulk loads, named
queries in PostgreSQL's dialect.

Application code writes its few statements with ``?`` placeholders (the DuckDB style);
:class:`PostgresSql` turns them into psycopg's ``%s`` and answers every statement with rows,
as DuckDB does (a statement without rows answers ``[(rowcount,)]``). A DataFrame handed to
``transaction(frames)`` becomes a temporary table of that name, dropped at COMMIT. Nothing in
this module imports psycopg: it only calls the connections it is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pandas as pd

from esbank.domain.errors import InvalidArgument
from esbank.eventstore.bulk import check_event_frame
from esbank.eventstore.codec import EventRegistry
from esbank.eventstore.decoding import FIELD_COLUMNS
from esbank.eventstore.duckdb_rows import COLUMN_NAMES, COLUMNS
from esbank.eventstore.errors import InvalidAppend, StoreError
from esbank.eventstore.sql_fragments import ACCOUNT_TYPES as _ACCOUNT_TYPES
from esbank.eventstore.sql_fragments import SIGNED_CHANGE as _SIGNED_CHANGE

if TYPE_CHECKING:
    from esbank.eventstore.postgres import PostgresEventStore

# A transaction-level advisory lock taken before DDL: PostgreSQL's CREATE TABLE IF NOT EXISTS
# fails (a unique violation in its catalog) when a twin runs at the same moment.
DDL_LOCK = 0x0E5BA4C0
_DDL = ("CREATE", "DROP", "ALTER")


# The same questions as DuckDB's named queries (duckdb_sql.NAMED), in PostgreSQL's dialect:
# a subquery in FROM needs an alias, an untyped NULL parameter needs a cast, NUMERIC holds what
# DuckDB sums in HUGEINT, and arg_max is spelled with an ordered array_agg.

NAMED: dict[str, str] = {
    "log_as_batch": f"""(
    SELECT position, aggregate_id, version, recorded_at, event_type,
           CASE WHEN event_type = 'AccountOpened' THEN payload->>'owner' END AS owner,
           CAST({_SIGNED_CHANGE} AS BIGINT) AS change,
           event_type = 'AccountClosed' AS closes
    FROM events WHERE event_type IN {_ACCOUNT_TYPES}
) AS log""",
    "deposits_over": (
        "SELECT position, aggregate_id, version, CAST(payload->>'amount' AS BIGINT) AS amount, "
        "recorded_at FROM events WHERE event_type = 'MoneyDeposited' "
        "AND CAST(payload->>'amount' AS BIGINT) > ? "
        "AND (CAST(? AS TIMESTAMPTZ) IS NULL OR recorded_at >= ?) "
        "AND (CAST(? AS TIMESTAMPTZ) IS NULL OR recorded_at < ?) "
        "ORDER BY position"
    ),
    "daily_closing_balances": f"""
        WITH running AS (
            SELECT CAST(recorded_at AS DATE) AS day, version,
                   CAST(sum({_SIGNED_CHANGE}) OVER (ORDER BY version) AS BIGINT) AS balance
            FROM events WHERE aggregate_id = ?
        )
        SELECT day, (array_agg(balance ORDER BY version DESC))[1] AS closing_balance,
               CAST(count(*) AS BIGINT) AS events
        FROM running GROUP BY day ORDER BY day
        """,
    "balance_changes": f"""
        SELECT aggregate_id,
               CAST(count(*) FILTER (WHERE ({_SIGNED_CHANGE}) <> 0) AS BIGINT),
               coalesce(sum(CAST({_SIGNED_CHANGE} AS NUMERIC))
                   FILTER (WHERE ({_SIGNED_CHANGE}) > 0), 0),
               coalesce(-sum(CAST({_SIGNED_CHANGE} AS NUMERIC))
                   FILTER (WHERE ({_SIGNED_CHANGE}) < 0), 0),
               sum(CAST({_SIGNED_CHANGE} AS NUMERIC))
        FROM events WHERE event_type IN {_ACCOUNT_TYPES}
        GROUP BY aggregate_id ORDER BY aggregate_id
        """,
}


def placeholders(sql: str) -> str:
    """``sql`` with each ``?`` outside quotes as ``%s`` and each ``%`` as ``%%`` (psycopg's
    parameter style)."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
            out.append("%%" if char == "%" else char)
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
        else:
            out.append("%%" if char == "%" else char)
    return "".join(out)


class Rows:
    """A statement's answer: its rows, or ``[(rowcount,)]`` for a statement without rows."""

    def __init__(self, rows: list[tuple[Any, ...]], description: Any, rowcount: int) -> None:
        self.rows = rows
        self.description = description
        self.rowcount = rowcount

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


class PostgresSql:
    """A psycopg connection that takes ``?`` statements, as ``store.transaction`` hands out.

    ``dialect`` tells read models which SQL to run; ``raw`` is the psycopg connection.
    """

    dialect = "postgres"

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._ddl_locked = False

    def execute(self, sql: str, parameters: Any = None, /) -> Rows:
        """Run one statement and read its whole answer."""
        in_transaction = self.raw.info.transaction_status != 0  # the lock lasts till its end
        if not self._ddl_locked and in_transaction and sql.lstrip().upper().startswith(_DDL):
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", [DDL_LOCK])
            self._ddl_locked = True
        if parameters is None or (isinstance(parameters, Sequence) and not parameters):
            cursor = self.raw.execute(sql)
        else:
            cursor = self.raw.execute(placeholders(sql), list(parameters))
        if cursor.description is None:
            return Rows([(cursor.rowcount,)], None, cursor.rowcount)
        return Rows(cursor.fetchall(), cursor.description, cursor.rowcount)


# pandas dtype kind → PostgreSQL type, for a frame handed to transaction() as a temp table.
def _pg_type(dtype: Any) -> str:
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "TIMESTAMPTZ"
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    return "TEXT"


def copy_frame(raw: Any, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """COPY the rows of ``frame`` into ``table`` (CSV text; ``None`` is NULL)."""
    names = ", ".join(f'"{c}"' for c in columns)
    text = frame.to_csv(index=False, header=False, na_rep="\\N")
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy,
    ):
        copy.write(text)


_INCOMING = {
    "position": "BIGINT",
    "aggregate_id": "TEXT",
    "version": "BIGINT",
    "event_id": "TEXT",
    "event_type": "TEXT",
    "recorded_at": "TIMESTAMPTZ",
    "metadata": "TEXT",
    "owner": "TEXT",
    "initial_balance": "BIGINT",
    "amount": "BIGINT",
}


def _uuid_text(frame: pd.DataFrame, column: str) -> list[str]:
    """A UUID column given as two unsigned 64-bit halves, as text (BIGINT holds no uint64)."""
    return [
        str(UUID(int=(int(h) << 64) | int(lo)))
        for h, lo in zip(frame[f"{column}_high"], frame[f"{column}_low"], strict=True)
    ]


def _pairs(registry: EventRegistry, name: str) -> str:
    fields = sorted(f.name for f in dataclasses.fields(registry.classes[name]))
    return ", ".join(f"'{f}', {f}" for f in fields)


class PostgresBulkLoad:
    """One all-or-nothing bulk load: what the log holds now, and one COPY per frame."""

    def __init__(self, raw: Any, registry: EventRegistry) -> None:
        self._raw = raw
        self._registry = registry

    def head(self) -> int:
        """The newest position (0 for an empty log), as this load sees it."""
        return int(self._raw.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()[0])

    def stream_version(self, aggregate_id: UUID) -> int:
        """The stream's last version (0 when it has no events), as this load sees it."""
        row = self._raw.execute(
            "SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = %s", [aggregate_id]
        ).fetchone()
        return int(row[0])

    def insert(self, frame: pd.DataFrame) -> None:
        """Insert the rows of ``frame`` (columns ``COLUMN_NAMES``; ids and JSON as text,
        ``recorded_at`` in UTC) with one COPY, in position order."""
        if list(frame.columns) != COLUMN_NAMES:
            raise InvalidAppend(f"a bulk load takes the columns {COLUMNS}")
        copy_frame(self._raw, "events", frame.sort_values("position"), COLUMN_NAMES)

    def insert_events(self, frame: pd.DataFrame) -> None:
        """Insert events given by their fields (the columns of ``DuckDBBulkLoad.
        insert_events``): one COPY into a temporary table, then one INSERT in which the
        server writes each payload at the type's current schema version. The rows must be
        valid events; a bulk load trusts its caller."""
        loadable = check_event_frame(frame, self._registry)
        rows = pd.DataFrame(
            {
                "position": frame["position"],
                "aggregate_id": _uuid_text(frame, "aggregate_id"),
                "version": frame["version"],
                "event_id": _uuid_text(frame, "event_id"),
                "event_type": frame["event_type"],
                "recorded_at": frame["recorded_at"],
                "metadata": frame["metadata"],
                **{name: frame[name] for name in FIELD_COLUMNS},
            }
        )
        columns = ", ".join(f'"{c}" {_INCOMING[c]}' for c in rows.columns)
        self._raw.execute(f"CREATE TEMP TABLE esbank_incoming ({columns}) ON COMMIT DROP")
        copy_frame(self._raw, "esbank_incoming", rows, list(rows.columns))
        versions = " ".join(
            f"WHEN '{name}' THEN {cls.schema_version}"
            for name, cls in sorted(self._registry.classes.items())
        )
        payload = " ".join(
            f"WHEN '{name}' THEN jsonb_build_object({_pairs(self._registry, name)})"
            for name in sorted(loadable)
        )
        self._raw.execute(
            f"INSERT INTO events ({COLUMNS}) SELECT position, CAST(aggregate_id AS uuid), "
            "version, CAST(event_id AS uuid), event_type, "
            f"CASE event_type {versions} END, CASE event_type {payload} END, "
            "CAST(metadata AS jsonb), recorded_at FROM esbank_incoming ORDER BY position"
        )
        self._raw.execute("DROP TABLE esbank_incoming")


class PostgresSqlSide:
    """Read-model transactions, statements and bulk loads of a ``PostgresEventStore``."""

    dialect = "postgres"

    @contextmanager
    def transaction(
        self: PostgresEventStore,
        frames: Mapping[str, pd.DataFrame] | None = None,
        *,
        bulk: bool = False,
    ) -> Iterator[PostgresSql]:
        """Run the block in one transaction on a pooled connection: COMMIT at the end,
        ROLLBACK on any error. ``frames`` become temporary tables of those names for the block.
        Appends made meanwhile commit on their own connection and are never rolled back.
        (``bulk`` asks an embedded database for all its cores; the server decides its own.)"""
        with self._using("a read-model transaction") as raw, raw.transaction():
            for name, frame in (frames or {}).items():
                if not name.isidentifier():
                    raise InvalidArgument(f"a frame's name must be an identifier, got {name!r}")
                columns = ", ".join(f'"{c}" {_pg_type(t)}' for c, t in frame.dtypes.items())
                raw.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")
                copy_frame(raw, name, frame, list(frame.columns))
            yield PostgresSql(raw)

    def sql(
        self: PostgresEventStore, sql: str, parameters: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run one statement (``?`` placeholders) and return all its rows."""
        with self._using("a read-model statement") as raw:
            return PostgresSql(raw).execute(sql, list(parameters)).fetchall()

    def query(
        self: PostgresEventStore,
        sql: str,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        text_as_str: bool = False,
    ) -> pd.DataFrame:
        """Run a query (``?`` placeholders) and return a DataFrame with DuckDB's dtypes."""
        if isinstance(parameters, Mapping):
            raise InvalidArgument("a PostgreSQL query takes ? parameters as a list")
        with self._using("a query") as raw:
            answer = PostgresSql(raw).execute(sql, list(parameters or []))
            types = {d.name: d.type_code for d in answer.description or []}
            names = raw.adapters.types
        kinds = {}
        for column, oid in types.items():
            info = names.get(oid)
            kinds[column] = info.name if info is not None else ""
        return typed_frame(answer.rows, kinds)

    def named(self, name: str) -> str:
        """The SQL of a named query over the events table, in PostgreSQL's dialect."""
        if name not in NAMED:
            raise StoreError(f"no query named {name!r}; the store knows {sorted(NAMED)}")
        return NAMED[name]

    def log_as_batch(self, conn: Any, current: Mapping[str, int]) -> str:
        """The whole log as a batch relation for a set-based rebuild, after checking on
        ``conn`` that every row is at its type's ``current`` schema version (SQL reads
        payloads as stored). JSONB keeps one value per key, so no payload names a key twice."""
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
        return NAMED["log_as_batch"]

    @contextmanager
    def bulk_load(self: PostgresEventStore) -> Iterator[PostgresBulkLoad]:
        """One all-or-nothing bulk load holding the events table's writer lock: COMMIT at the
        end, ROLLBACK on any error (an interrupted load leaves nothing behind)."""
        with self._using("a bulk load") as raw, raw.transaction():
            raw.execute("LOCK TABLE events IN EXCLUSIVE MODE")
            yield PostgresBulkLoad(raw, self.registry)
            raw.execute("SELECT pg_notify(%s, '')", [self.channel])


_FRAME_TYPES = {
    "int8": "int64",
    "int4": "int32",
    "int2": "int16",
    "bool": "bool",
    "float8": "float64",
    "float4": "float32",
    "numeric": "float64",
}


def typed_frame(rows: list[tuple[Any, ...]], kinds: Mapping[str, str]) -> pd.DataFrame:
    """Rows as a DataFrame with the dtypes DuckDB's ``df()`` gives the same SQL types."""
    frame = pd.DataFrame(rows, columns=list(kinds))
    for column, kind in kinds.items():
        values = frame[column]
        if kind == "timestamptz":
            frame[column] = pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")
        elif kind in ("timestamp", "date"):
            frame[column] = pd.to_datetime(values).astype("datetime64[us]")
        elif kind in ("text", "varchar", "json", "jsonb", "bpchar", "name"):
            frame[column] = values.astype("str") if values.notna().all() else values
        elif kind in _FRAME_TYPES and values.notna().all():
            frame[column] = values.astype(_FRAME_TYPES[kind])
    return frame
