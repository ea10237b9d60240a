"""The schema panel of notebook 05: pick a stored row, see it raw, upcast step by step, and
decoded. The rows and their views come from ``esbank.eventstore.inspection``; the ``*_html``
renderers are pure, and :func:`schema_panel` only wires ipywidgets to them."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID

import ipywidgets as widgets

from esbank.domain.errors import InvalidArgument
from esbank.domain.upcasters import Payload
from esbank.eventstore.codec import EventRegistry
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.inspection import (
    RowView,
    StoredRow,
    error_text,
    inspect_row,
    payload_json,
    require_store,
    stored_rows,
    stream_name,
    stream_names,
)
from esbank.teach import ui

PANEL_CLASS = "esbank-schema"
STYLE = ui.table_style(
    PANEL_CLASS,
    cells="padding: 0.2em 0.6em; text-align: left; vertical-align: top;",
    extra=".esbank-schema code, .esbank-schema-snapshot code {white-space: pre-wrap;}"
    ".esbank-schema-error {color: #a40000;}",
)
"""Scoped CSS for the panel's tables (only under the panel's classes)."""


# -- the pure renderers ----------------------------------------------------------------------
def _code(payload: Payload | str) -> ui.Raw:
    text = payload if isinstance(payload, str) else payload_json(payload)
    return ui.Raw(f"<code>{html.escape(text)}</code>")


def _step_name(registry: EventRegistry, event_type: str, version: int) -> str:
    step = registry.upcasters.get((event_type, version))
    return getattr(step, "__name__", type(step).__name__) if step is not None else "—"


def row_label(row: StoredRow, owners: Mapping[UUID, str]) -> str:
    """The dropdown text for a stored row, e.g. ``#2 · MoneyDeposited v1 · Ada v2``."""
    return (
        f"#{row.position} · {row.event_type} v{row.schema_version} · "
        f"{stream_name(row.aggregate_id, owners)} v{row.version}"
    )


def describe_view(view: RowView, owners: Mapping[UUID, str] | None = None) -> str:
    """One plain-text line: where the row is, how it is stored, and what is read from it."""
    row = view.row
    where_text = (
        f"position {row.position} ({stream_name(row.aggregate_id, owners or {})}, "
        f"version {row.version})"
    )
    stored = f"stored as {row.event_type} v{row.schema_version}"
    if view.error is not None:
        return f"{where_text}: {stored}; cannot be read: {error_text(view.error)}"
    hops = len(view.steps) - 1
    chain = f"{hops} upcaster step{'s' if hops > 1 else ''}" if hops else "already current"
    renamed = f" (old name of {view.current_type})" if view.current_type != row.event_type else ""
    return f"{where_text}: {stored}{renamed}; {chain}; read as {view.event!r}"


def raw_html(view: RowView) -> str:
    """The stored row: type, schema version and the JSON text exactly as stored."""
    row = view.row
    fields = [
        ("event_type", row.event_type),
        ("schema_version", row.schema_version),
        ("payload", _code(row.payload)),
    ]
    return (
        f'<div class="{PANEL_CLASS}-raw-view"><b>Stored row</b> (never rewritten)'
        f"{ui.table(None, fields, row_headers=True)}</div>"
    )


def event_html(view: RowView) -> str:
    """What the store reads from the row: the current event, or its typed error."""
    if view.error is not None:
        return (
            f'<div class="{PANEL_CLASS}-event-view"><b>Read by this code</b>'
            f'<p class="{PANEL_CLASS}-error">❌ {html.escape(error_text(view.error))}</p>'
            "<p>Nothing is skipped: every read of this row raises this error.</p></div>"
        )
    assert view.event is not None
    fields = [
        ("event_type", str(view.current_type)),
        ("schema_version", view.current_version),
        ("payload", _code(view.steps[-1][1])),
        ("event", _code(repr(view.event))),
    ]
    return (
        f'<div class="{PANEL_CLASS}-event-view"><b>Read by this code</b> (upcast event)'
        f"{ui.table(None, fields, row_headers=True)}</div>"
    )


def steps_html(view: RowView, registry: EventRegistry) -> str:
    """The payload at each schema version, with the upcaster that produced it."""
    if not view.steps:
        return (
            f'<div class="{PANEL_CLASS}-steps-view"><b>Upcaster chain</b>: none, the row '
            "could not be parsed or its type is unknown.</div>"
        )
    name = view.current_type or view.row.event_type
    rows = [
        (
            f"v{version}",
            "stored" if i == 0 else _step_name(registry, name, version - 1),
            _code(payload),
        )
        for i, (version, payload) in enumerate(view.steps)
    ]
    table = ui.table(["version", "produced by", "payload"], rows)
    return (
        f'<div class="{PANEL_CLASS}-steps-view"><b>Upcaster chain</b>, one row per schema '
        f"version{table}</div>"
    )


def view_html(view: RowView, registry: EventRegistry, owners: Mapping[UUID, str]) -> str:
    """The summary line, the stored row beside what is read, and the chain."""
    return (
        f"<p><b>{html.escape(describe_view(view, owners))}</b></p>"
        f'<div style="display: flex; flex-wrap: wrap; gap: 2em;">'
        f"{raw_html(view)}{event_html(view)}</div>{steps_html(view, registry)}"
    )


# -- the thin widget shell -----------------------------------------------------------------
@dataclass(eq=False, repr=False)
class SchemaPanel(ui.Shell):
    """The widgets of one schema panel; display ``.widget`` (or the panel itself).

    The dropdown holds every stored row (read once, when the panel is built); choosing one
    shows its raw JSON, the event read from it and each upcaster step.
    """

    label: ClassVar[str] = "Schema panel"

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
        return ui.snapshot(
            PANEL_CLASS, STYLE, view_html(self._current(), self.registry, self.owners)
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


def _controls(
    rows: list[StoredRow], owners: Mapping[UUID, str], chosen: int
) -> tuple[widgets.Dropdown, widgets.Button, widgets.Button]:
    """The dropdown of stored rows and the two buttons that step through them."""
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
    for control, css in ((dropdown, "row"), (previous, "previous"), (following, "next")):
        ui.classed(PANEL_CLASS, css, control)
    return dropdown, previous, following


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
    store = require_store(store)
    owners = stream_names(names)
    rows = stored_rows(store)
    if not rows:
        raise InvalidArgument("the store holds no events yet; write some before building a panel")
    chosen = rows[0].position if position is None else position
    if chosen not in [r.position for r in rows]:
        raise InvalidArgument(
            f"position must be one of the stored positions 1 to {rows[-1].position}, "
            f"got {position!r}"
        )
    dropdown, previous, following = _controls(rows, owners, chosen)
    summary, raw, event, steps = (
        ui.classed(PANEL_CLASS, css, widgets.HTML()) for css in ("summary", "raw", "event", "steps")
    )
    picker, tables = widgets.HBox([dropdown, previous, following]), widgets.HBox([raw, event])
    children = [picker, summary, tables, steps]
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
        widget=ui.root(PANEL_CLASS, children, css=STYLE),
    )
    dropdown.observe(panel._on_row, names="value")
    previous.on_click(lambda _button: panel._step(-1))
    following.on_click(lambda _button: panel._step(+1))
    panel.show(chosen)
    return panel
