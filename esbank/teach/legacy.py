"""The "old application" of notebook 05, and tools to see stored rows beside what the code reads.

Earlier releases of esbank wrote events in shapes the current code no longer writes: the old
type name ``AccountCreated``, ``AccountOpened`` without an opening balance, deposits in float
euros and then in ``amount_cents``. :func:`write_rows` puts such rows straight into a store's
``events`` table, as those releases did, with positions, versions, ids and times from injected
factories (so a notebook prints the same thing on every run). :data:`LEGACY_ROWS` is the
history the old releases left behind, and :func:`write_as_current` writes the same facts the
way the current code would, for comparison.

The inspection functions are pure reads: :func:`upcast_steps` lists a payload at every schema
version on its way to the current one, :func:`inspect_row` and :func:`raw_and_upcast` put one
stored row beside the event the store decodes from it, :func:`side_by_side` does it for the
whole log. :func:`schema_panel` only wires an ipywidgets dropdown to them; its callbacks write
widget traits, never stdout.
"""

from __future__ import annotations

import copy
import html
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import ipywidgets as widgets
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from esbank.domain.errors import InvalidArgument
from esbank.domain.events import AccountOpened, Event, MoneyDeposited, MoneyWithdrawn
from esbank.domain.upcasters import Payload
from esbank.eventstore.codec import EventRegistry, parse_payload, where
from esbank.eventstore.duckdb_store import COLUMNS, DuckDBEventStore
from esbank.eventstore.errors import StoreError
from esbank.eventstore.types import ANY
from esbank.teach.determinism import SequentialIds, StepClock

PANEL_CLASS = "esbank-schema"
STYLE = (
    "<style>"
    ".esbank-schema table, .esbank-schema-snapshot table "
    "{border-collapse: collapse; margin: 0.3em 0 0.8em 0; font-size: 0.9em;}"
    ".esbank-schema th, .esbank-schema td, .esbank-schema-snapshot th, "
    ".esbank-schema-snapshot td {border: 1px solid #ccc; padding: 0.2em 0.6em; "
    "text-align: left; vertical-align: top;}"
    ".esbank-schema code, .esbank-schema-snapshot code {white-space: pre-wrap;}"
    ".esbank-schema-error {color: #a40000;}"
    "</style>"
)
"""Scoped CSS for the panel's tables (only under the panel's classes)."""

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


@dataclass(frozen=True, slots=True)
class LegacyRow:
    """One stored row as some release of the code wrote it, and the fact it stands for.

    ``means`` is the current event the row should be read as, written by hand (not computed
    by the upcasters), or None for a row that cannot be read.
    """

    aggregate_id: UUID
    event_type: str
    schema_version: int
    payload: Mapping[str, Any]
    release: str
    means: Event | None = None


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


# -- writing, the way earlier (or later) releases did ------------------------------------------
def legacy_clock() -> StepClock:
    """The old application's clock: from :data:`LEGACY_START`, one :data:`LEGACY_STEP` a row."""
    return StepClock(LEGACY_START, LEGACY_STEP)


def legacy_ids() -> SequentialIds:
    """The old application's event ids: ``001d0000-0000-0000-0000-000000000001``, …"""
    return SequentialIds(prefix=LEGACY_ID_PREFIX)


def _check_store(store: object) -> DuckDBEventStore:
    if not isinstance(store, DuckDBEventStore):
        raise InvalidArgument(f"store must be a DuckDBEventStore, got {type(store).__name__}")
    return store


def _check_rows(rows: object) -> list[LegacyRow]:
    if isinstance(rows, LegacyRow):
        raise InvalidArgument("rows must be a list of LegacyRow; wrap a single row as [row]")
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence) or not rows:
        raise InvalidArgument("rows must be a non-empty list of LegacyRow")
    for i, row in enumerate(rows):
        if not isinstance(row, LegacyRow):
            raise InvalidArgument(f"rows[{i}] is a {type(row).__name__}, not a LegacyRow")
        if not isinstance(row.payload, Mapping):
            raise InvalidArgument(
                f"rows[{i}].payload must be a dict of the row's fields, "
                f"got {type(row.payload).__name__}"
            )
    return list(rows)


def write_rows(
    store: DuckDBEventStore,
    rows: Sequence[LegacyRow],
    *,
    clock: Callable[[], datetime],
    new_id: Callable[[], UUID],
) -> tuple[int, ...]:
    """Insert ``rows`` into the ``events`` table as they are, around the store's codec.

    Each row gets the next global position and the next version of its stream, an id from
    ``new_id``, a time from ``clock`` and ``{"release": row.release}`` as metadata; the
    type name, schema version and payload are written exactly as given (nothing checks
    them: that is what an old, or newer, release of the code did). Returns the positions.
    """
    store = _check_store(store)
    checked = _check_rows(rows)
    with store.lock:
        conn = store.connection
        head = int(conn.execute("SELECT coalesce(max(position), 0) FROM events").fetchall()[0][0])
        found = conn.execute(
            "SELECT aggregate_id, max(version) FROM events GROUP BY aggregate_id "
            "ORDER BY aggregate_id"
        ).fetchall()
        versions: Counter[UUID] = Counter({aggregate: int(v) for aggregate, v in found})
        values: list[Any] = []
        positions = []
        for offset, row in enumerate(checked, start=1):
            versions[row.aggregate_id] += 1
            at = clock()
            if not isinstance(at, datetime) or at.utcoffset() is None:
                raise InvalidArgument(f"clock must return a timezone-aware datetime, got {at!r}")
            positions.append(head + offset)
            values += [
                head + offset,
                row.aggregate_id,
                versions[row.aggregate_id],
                new_id(),
                row.event_type,
                row.schema_version,
                json.dumps(dict(row.payload), sort_keys=True),
                json.dumps({"release": row.release}),
                at.astimezone(UTC).replace(tzinfo=None),
            ]
        marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(checked))
        conn.execute(f"INSERT INTO events ({COLUMNS}) VALUES {marks}", values)
    store.refresh()  # the store's remembered head and versions are out of date now
    return tuple(positions)


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
    store = _check_store(store)
    positions = []
    for i, row in enumerate(_check_rows(rows)):
        if row.means is None:
            raise InvalidArgument(
                f"rows[{i}] ({row.event_type} v{row.schema_version}) stands for no event "
                "(means=None); leave it out"
            )
        result = store.append(row.aggregate_id, [row.means], expected_version=ANY)
        positions.append(result.last_position)
    return tuple(positions)


# -- reading: a stored row beside the event decoded from it ------------------------------------
@dataclass(frozen=True, slots=True)
class StoredRow:
    """One row of the ``events`` table as stored: the JSON text is never rewritten."""

    position: int
    aggregate_id: UUID
    version: int
    event_type: str
    schema_version: int
    payload: str


@dataclass(frozen=True, slots=True)
class RowView:
    """A stored row, its payload at each schema version, and what the store reads from it.

    ``steps`` starts with the stored payload; each further entry is one upcaster's output.
    ``event`` is the decoded current event, or None and ``error`` says why (the store's
    own typed error, naming the row).
    """

    row: StoredRow
    current_type: str | None
    current_version: int | None
    steps: tuple[tuple[int, Payload], ...]
    event: Event | None
    error: StoreError | None


def stored_rows(store: DuckDBEventStore) -> list[StoredRow]:
    """Every row of the store's ``events`` table as stored, in global order."""
    store = _check_store(store)
    with store.lock:
        found = store.connection.execute(
            "SELECT position, aggregate_id, version, event_type, schema_version, payload "
            "FROM events ORDER BY position"
        ).fetchall()
    return [StoredRow(*row) for row in found]


def _stored_row(store: DuckDBEventStore, position: int) -> StoredRow:
    store = _check_store(store)
    if isinstance(position, bool) or not isinstance(position, int):
        raise InvalidArgument(f"position must be an int, got {position!r}")
    with store.lock:
        found = store.connection.execute(
            "SELECT position, aggregate_id, version, event_type, schema_version, payload "
            "FROM events WHERE position = ? ORDER BY position",
            [position],
        ).fetchall()
    if not found:
        head = store.head_position()
        raise InvalidArgument(
            f"no stored event at position {position}; the log holds positions 1 to {head}"
        )
    return StoredRow(*found[0])


def _walk(
    registry: EventRegistry, cls: type[Event], schema_version: int, payload: Payload
) -> list[tuple[int, Payload]]:
    """The payload at each version the chain reaches, stopping quietly where it breaks (the
    reason comes from ``registry.decode``)."""
    steps = [(schema_version, copy.deepcopy(payload))]
    if isinstance(schema_version, bool) or not isinstance(schema_version, int):
        return steps
    for version in range(max(schema_version, 1), cls.schema_version):
        step = registry.upcasters.get((cls.event_type, version))
        if step is None:
            break
        try:
            payload = step(payload)
        except Exception:  # any failure: decode reports it with the store's typed error
            break
        if not isinstance(payload, dict):
            break
        steps.append((version + 1, copy.deepcopy(payload)))
    return steps


def upcast_steps(
    registry: EventRegistry,
    event_type: str,
    schema_version: int,
    payload: Mapping[str, Any],
    *,
    at: str = "a payload given by hand",
) -> list[tuple[int, Payload]]:
    """``payload`` at each schema version from ``schema_version`` to the current one.

    The first entry is the payload as given; each next one is the output of one upcaster.
    ``event_type`` may be an old name (an alias). A payload the chain cannot upcast raises
    the store's own error (``UnknownEventType``, ``UnsupportedSchemaVersion`` or
    ``CorruptEvent``), with ``at`` naming where it came from.
    """
    if not isinstance(registry, EventRegistry):
        raise InvalidArgument(f"registry must be an EventRegistry, got {type(registry).__name__}")
    if not isinstance(payload, Mapping):
        raise InvalidArgument(f"payload must be a dict, got {type(payload).__name__}")
    cls = registry.resolve(event_type, at)
    registry.upcast(cls, schema_version, copy.deepcopy(dict(payload)), at)  # raises if it breaks
    return _walk(registry, cls, schema_version, dict(payload))


def inspect_row(
    store: DuckDBEventStore, position: int, *, registry: EventRegistry | None = None
) -> RowView:
    """The stored row at ``position`` beside what ``registry`` (default: the store's) reads."""
    row = _stored_row(store, position)
    registry = registry or store.registry
    at = where(row.position, row.aggregate_id, row.version)
    cls: type[Event] | None = None
    steps: list[tuple[int, Payload]] = []
    event: Event | None = None
    error: StoreError | None = None
    try:
        cls = registry.resolve(row.event_type, at)
        steps = _walk(registry, cls, row.schema_version, parse_payload(row.payload, at))
        event = registry.decode(
            row.event_type,
            row.schema_version,
            row.payload,
            position=row.position,
            aggregate_id=row.aggregate_id,
            version=row.version,
        )
    except StoreError as exc:
        error = exc
    return RowView(
        row=row,
        current_type=cls.event_type if cls else None,
        current_version=cls.schema_version if cls else None,
        steps=tuple(steps),
        event=event,
        error=error,
    )


def _json(payload: Payload) -> str:
    return json.dumps(payload, sort_keys=True)


def _error_text(error: StoreError) -> str:
    return f"{type(error).__name__}: {error}"


def raw_and_upcast(
    store: DuckDBEventStore, position: int, *, registry: EventRegistry | None = None
) -> pd.DataFrame:
    """The stored row at ``position`` (left) beside what the code reads from it (right)."""
    view = inspect_row(store, position, registry=registry)
    read_payload = _json(view.steps[-1][1]) if view.steps and view.event else "—"
    read_event = repr(view.event) if view.event is not None else "—"
    if view.error is not None:
        read_event = _error_text(view.error)
    return pd.DataFrame(
        {
            "stored row (never rewritten)": [
                view.row.event_type,
                view.row.schema_version,
                view.row.payload,
                "",
            ],
            "read by this code": [
                view.current_type or "—",
                view.current_version if view.current_version is not None else "—",
                read_payload,
                read_event,
            ],
        },
        index=pd.Index(["event_type", "schema_version", "payload", "event"]),
    )


def _owners(names: Mapping[str, UUID] | None) -> dict[UUID, str]:
    if names is None:
        return {}
    if not isinstance(names, Mapping) or not all(isinstance(v, UUID) for v in names.values()):
        raise InvalidArgument("names must map owner names to account ids, e.g. LEGACY_ACCOUNTS")
    return {account: owner for owner, account in names.items()}


def _stream(aggregate_id: UUID, owners: Mapping[UUID, str]) -> str:
    return owners.get(aggregate_id, str(aggregate_id))


def side_by_side(
    store: DuckDBEventStore,
    *,
    names: Mapping[str, UUID] | None = None,
    registry: EventRegistry | None = None,
) -> pd.DataFrame:
    """One row per stored event: the type, version and JSON as stored, and the event read.

    ``names`` (owner → account id) labels the streams; a row that cannot be read shows the
    store's error instead of an event.
    """
    owners = _owners(names)
    rows = []
    for stored in stored_rows(store):
        view = inspect_row(store, stored.position, registry=registry)
        read = repr(view.event) if view.error is None else _error_text(view.error)
        rows.append(
            (
                stored.position,
                _stream(stored.aggregate_id, owners),
                stored.version,
                stored.event_type,
                stored.schema_version,
                stored.payload,
                read,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "position",
            "account",
            "version",
            "stored_type",
            "schema_version",
            "stored_payload",
            "read_as",
        ],
    )


# -- a chart: stored rows per (type, schema version) ------------------------------------------
def schema_version_counts(
    store: DuckDBEventStore, *, registry: EventRegistry | None = None
) -> pd.DataFrame:
    """How many stored rows each (type, schema version) has, and whether it is the current
    shape: columns ``event_type``, ``schema_version``, ``rows``, ``current``."""
    store = _check_store(store)
    registry = registry or store.registry
    frame = store.query(
        "SELECT event_type, schema_version, CAST(count(*) AS BIGINT) AS rows FROM events "
        "GROUP BY event_type, schema_version ORDER BY event_type, schema_version"
    )
    current = registry.current_versions()
    frame["current"] = [
        current.get(name) == version
        for name, version in zip(frame["event_type"], frame["schema_version"], strict=True)
    ]
    return frame


def plot_schema_versions(counts: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Bar chart of :func:`schema_version_counts`: old shapes in orange, current in blue.

    The title states the finding: how many stored rows are in a shape the code no longer
    writes.
    """
    needed = ("event_type", "schema_version", "rows", "current")
    if not isinstance(counts, pd.DataFrame) or any(c not in counts.columns for c in needed):
        raise InvalidArgument(
            "counts must be the DataFrame returned by schema_version_counts(store)"
        )
    if counts.empty:
        raise InvalidArgument("counts has no rows: the store holds no events")
    if ax is None:
        fig = Figure(figsize=(8, 3.8), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    labels = [
        f"{t}\nv{v}" for t, v in zip(counts["event_type"], counts["schema_version"], strict=True)
    ]
    colours = ["tab:blue" if c else "tab:orange" for c in counts["current"]]
    bars = ax.bar(range(len(counts)), counts["rows"], color=colours)
    ax.bar_label(bars, fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, int(counts["rows"].max()) * 1.15)
    ax.set_xticks(range(len(counts)), labels, fontsize=8)
    ax.set_xlabel("stored event type and schema version")
    ax.set_ylabel("stored rows (count)")
    ax.legend(
        handles=[
            Patch(color="tab:blue", label="current shape"),
            Patch(color="tab:orange", label="older shape: upcast on every read"),
        ],
        fontsize=8,
        loc="upper left",
    )
    old = int(counts.loc[~counts["current"].astype(bool), "rows"].sum())
    total = int(counts["rows"].sum())
    ax.set_title(
        f"{old} of {total} stored rows are in a shape this code no longer writes; "
        "it reads every one of them",
        fontsize=10,
    )
    return fig  # type: ignore[return-value]


# -- the panel: pick a stored row, see it raw, upcast step by step, and decoded ---------------
def _code(payload: Payload | str) -> str:
    text = payload if isinstance(payload, str) else _json(payload)
    return f"<code>{html.escape(text)}</code>"


def _step_name(registry: EventRegistry, event_type: str, version: int) -> str:
    step = registry.upcasters.get((event_type, version))
    return getattr(step, "__name__", type(step).__name__) if step is not None else "—"


def row_label(row: StoredRow, owners: Mapping[UUID, str]) -> str:
    """The dropdown text for a stored row, e.g. ``#2 · MoneyDeposited v1 · Ada v2``."""
    return (
        f"#{row.position} · {row.event_type} v{row.schema_version} · "
        f"{_stream(row.aggregate_id, owners)} v{row.version}"
    )


def describe_view(view: RowView, owners: Mapping[UUID, str] | None = None) -> str:
    """One plain-text line: where the row is, how it is stored, and what is read from it."""
    row = view.row
    where_text = (
        f"position {row.position} ({_stream(row.aggregate_id, owners or {})}, "
        f"version {row.version})"
    )
    stored = f"stored as {row.event_type} v{row.schema_version}"
    if view.error is not None:
        return f"{where_text}: {stored}; cannot be read: {_error_text(view.error)}"
    hops = len(view.steps) - 1
    chain = f"{hops} upcaster step{'s' if hops > 1 else ''}" if hops else "already current"
    renamed = f" (old name of {view.current_type})" if view.current_type != row.event_type else ""
    return f"{where_text}: {stored}{renamed}; {chain}; read as {view.event!r}"


def raw_html(view: RowView) -> str:
    """The stored row: type, schema version and the JSON text exactly as stored."""
    row = view.row
    return (
        f'<div class="{PANEL_CLASS}-raw-view"><b>Stored row</b> (never rewritten)'
        "<table><tbody>"
        f"<tr><th>event_type</th><td>{html.escape(row.event_type)}</td></tr>"
        f"<tr><th>schema_version</th><td>{row.schema_version}</td></tr>"
        f"<tr><th>payload</th><td>{_code(row.payload)}</td></tr>"
        "</tbody></table></div>"
    )


def event_html(view: RowView) -> str:
    """What the store reads from the row: the current event, or its typed error."""
    if view.error is not None:
        return (
            f'<div class="{PANEL_CLASS}-event-view"><b>Read by this code</b>'
            f'<p class="{PANEL_CLASS}-error">❌ {html.escape(_error_text(view.error))}</p>'
            "<p>Nothing is skipped: every read of this row raises this error.</p></div>"
        )
    assert view.event is not None
    return (
        f'<div class="{PANEL_CLASS}-event-view"><b>Read by this code</b> (upcast event)'
        "<table><tbody>"
        f"<tr><th>event_type</th><td>{html.escape(str(view.current_type))}</td></tr>"
        f"<tr><th>schema_version</th><td>{view.current_version}</td></tr>"
        f"<tr><th>payload</th><td>{_code(view.steps[-1][1])}</td></tr>"
        f"<tr><th>event</th><td>{_code(repr(view.event))}</td></tr>"
        "</tbody></table></div>"
    )


def steps_html(view: RowView, registry: EventRegistry) -> str:
    """The payload at each schema version, with the upcaster that produced it."""
    if not view.steps:
        return (
            f'<div class="{PANEL_CLASS}-steps-view"><b>Upcaster chain</b>: none, the row '
            "could not be parsed or its type is unknown.</div>"
        )
    name = view.current_type or view.row.event_type
    body = "".join(
        f"<tr><td>v{version}</td><td>"
        f"{'stored' if i == 0 else html.escape(_step_name(registry, name, version - 1))}"
        f"</td><td>{_code(payload)}</td></tr>"
        for i, (version, payload) in enumerate(view.steps)
    )
    return (
        f'<div class="{PANEL_CLASS}-steps-view"><b>Upcaster chain</b>, one row per schema '
        "version<table><thead><tr><th>version</th><th>produced by</th><th>payload</th></tr>"
        f"</thead><tbody>{body}</tbody></table></div>"
    )


@dataclass(eq=False, repr=False)
class SchemaPanel:
    """The widgets of one schema panel; display ``.widget`` (or the panel itself).

    The dropdown holds every stored row (read once, when the panel is built); choosing one
    shows its raw JSON, the event read from it and each upcaster step.
    """

    store: DuckDBEventStore
    registry: EventRegistry
    owners: dict[UUID, str]
    row: widgets.Dropdown
    previous: widgets.Button
    next: widgets.Button
    summary_line: widgets.HTML
    raw: widgets.HTML
    event: widgets.HTML
    steps: widgets.HTML
    widget: widgets.VBox
    view: RowView | None = field(default=None)

    @property
    def positions(self) -> tuple[int, ...]:
        """The positions the dropdown offers, oldest first."""
        return tuple(value for _, value in self.row.options)

    def show(self, position: int) -> RowView:
        """Show the stored row at ``position`` (what choosing it in the dropdown does)."""
        view = inspect_row(self.store, position, registry=self.registry)
        self.view = view
        self.summary_line.value = f"<p><b>{html.escape(self.summary())}</b></p>"
        self.raw.value = raw_html(view)
        self.event.value = event_html(view)
        self.steps.value = steps_html(view, self.registry)
        return view

    def summary(self) -> str:
        """The line the panel shows above the tables, as plain text."""
        return describe_view(self._current(), self.owners)

    def snapshot_html(self) -> str:
        """The chosen row, its event and its chain as one static HTML block: the panel, frozen."""
        view = self._current()
        return (
            f'<div class="{PANEL_CLASS}-snapshot">{STYLE}'
            f"<p><b>{html.escape(describe_view(view, self.owners))}</b></p>"
            f'<div style="display: flex; flex-wrap: wrap; gap: 2em;">'
            f"{raw_html(view)}{event_html(view)}</div>{steps_html(view, self.registry)}</div>"
        )

    def _current(self) -> RowView:
        if self.view is None:
            self.show(self.row.value)
        assert self.view is not None
        return self.view

    def _step(self, delta: int) -> None:
        positions = self.positions
        i = positions.index(self.row.value) + delta
        if 0 <= i < len(positions):
            self.row.value = positions[i]  # the dropdown's observer shows it

    def _on_row(self, change: dict[str, Any]) -> None:
        self.show(change["new"])

    def __repr__(self) -> str:
        return f"SchemaPanel(position={self.row.value}, rows={len(self.positions)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Schema panel (run the cell in Jupyter to use it)"
        return data


def schema_panel(
    store: DuckDBEventStore,
    *,
    names: Mapping[str, UUID] | None = None,
    registry: EventRegistry | None = None,
    position: int | None = None,
) -> SchemaPanel:
    """Build a schema panel over every row of ``store``.

    ``names`` (owner → account id) labels the streams, ``registry`` (default: the store's)
    reads the rows, ``position`` is the row shown first (default: the first). The table is
    read once: build a new panel to see rows written later.
    """
    store = _check_store(store)
    owners = _owners(names)
    rows = stored_rows(store)
    if not rows:
        raise InvalidArgument("the store holds no events yet; write some before building a panel")
    chosen = rows[0].position if position is None else position
    if chosen not in [r.position for r in rows]:
        raise InvalidArgument(
            f"position must be one of the stored positions 1 to {rows[-1].position}, "
            f"got {position!r}"
        )
    dropdown = widgets.Dropdown(
        options=[(row_label(r, owners), r.position) for r in rows],
        value=chosen,
        description="Stored event",
        layout=widgets.Layout(width="40em"),
        style={"description_width": "initial"},
    )
    previous = widgets.Button(
        description="◀ Previous stored event",
        tooltip="Show the stored event one position earlier",
        layout=widgets.Layout(width="14em"),
    )
    following = widgets.Button(
        description="Next stored event ▶",
        tooltip="Show the stored event one position later",
        layout=widgets.Layout(width="14em"),
    )
    summary, raw, event, steps = (widgets.HTML() for _ in range(4))
    for view, css in (
        (dropdown, "row"),
        (previous, "previous"),
        (following, "next"),
        (summary, "summary"),
        (raw, "raw"),
        (event, "event"),
        (steps, "steps"),
    ):
        view.add_class(f"{PANEL_CLASS}-{css}")
    root = widgets.VBox(
        [
            widgets.HTML(STYLE),
            widgets.HBox([dropdown, previous, following]),
            summary,
            widgets.HBox([raw, event]),
            steps,
        ]
    )
    root.add_class(PANEL_CLASS)
    panel = SchemaPanel(
        store=store,
        registry=registry or store.registry,
        owners=owners,
        row=dropdown,
        previous=previous,
        next=following,
        summary_line=summary,
        raw=raw,
        event=event,
        steps=steps,
        widget=root,
    )
    dropdown.observe(panel._on_row, names="value")
    previous.on_click(lambda _button: panel._step(-1))
    following.on_click(lambda _button: panel._step(+1))
    panel.show(chosen)
    return panel
