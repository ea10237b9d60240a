"""The old application of notebook 05 writes what old releases wrote, the inspection helpers
show stored rows beside what the code reads, the schema panel follows its dropdown, and the
exercise check passes the solution and rejects wrong upcasters with a hint."""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

from esbank import (
    AccountOpened,
    Bank,
    CorruptEvent,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    MoneyDeposited,
    MoneyWithdrawn,
    UnknownEventType,
    UnsupportedSchemaVersion,
)
from esbank.app.migration import migrate
from esbank.eventstore.codec import REGISTRY
from esbank.teach import SequentialIds, StepClock
from esbank.teach.checks import check_deposited_v2_to_v3
from esbank.teach.legacy import (
    LEGACY_ACCOUNTS,
    LEGACY_ROWS,
    LEGACY_START,
    LEGACY_STEP,
    PANEL_CLASS,
    LegacyRow,
    SchemaPanel,
    inspect_row,
    plot_schema_versions,
    raw_and_upcast,
    schema_panel,
    schema_version_counts,
    side_by_side,
    stored_rows,
    upcast_steps,
    write_as_current,
    write_legacy_history,
    write_rows,
)

SOLUTIONS = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
ADA, BO, CY = (LEGACY_ACCOUNTS[name] for name in ("Ada", "Bo", "Cy"))


def new_store() -> DuckDBEventStore:
    return DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))


@pytest.fixture
def legacy() -> DuckDBEventStore:
    store = new_store()
    write_legacy_history(store)
    return store


def raw(store: DuckDBEventStore) -> list[tuple[Any, ...]]:
    return store.connection.execute(
        "SELECT position, aggregate_id, version, event_id, event_type, schema_version, "
        "payload, metadata, recorded_at FROM events ORDER BY position"
    ).fetchall()


# -- the old application ------------------------------------------------------------------------
def test_legacy_history_is_written_as_the_old_releases_wrote_it(
    legacy: DuckDBEventStore,
) -> None:
    rows = raw(legacy)
    assert [r[0] for r in rows] == list(range(1, len(LEGACY_ROWS) + 1))
    assert [(r[4], r[5]) for r in rows] == [(r.event_type, r.schema_version) for r in LEGACY_ROWS]
    assert [json.loads(r[6]) for r in rows] == [dict(r.payload) for r in LEGACY_ROWS]
    assert rows[0][4:7] == ("AccountCreated", 1, '{"owner": "Ada"}')
    assert rows[1][6] == '{"amount_eur": 25.1}'
    assert [r[2] for r in rows if r[1] == ADA] == [1, 2, 3, 4, 5]
    assert rows[0][3] == UUID("001d0000-0000-0000-0000-000000000001")
    assert json.loads(rows[0][7]) == {"release": "prototype"}
    assert rows[0][8] == LEGACY_START
    assert rows[1][8] - rows[0][8] == LEGACY_STEP
    assert [r[8] for r in rows] == sorted(r[8] for r in rows)


def test_two_runs_write_the_same_bytes() -> None:
    first, second = new_store(), new_store()
    write_legacy_history(first)
    write_legacy_history(second)
    assert raw(first) == raw(second)


def test_every_legacy_row_reads_as_the_fact_it_stands_for(legacy: DuckDBEventStore) -> None:
    recorded = legacy.read_all()
    assert [r.event for r in recorded] == [row.means for row in LEGACY_ROWS]
    assert recorded[0].event_type == "AccountCreated"  # the stored name, not the current one
    assert recorded[1].schema_version == 1
    assert recorded[1].event == MoneyDeposited(2510)


def test_the_store_appends_after_rows_written_around_it(legacy: DuckDBEventStore) -> None:
    bank = Bank(legacy, new_id=SequentialIds(prefix=0xB))
    result = bank.handle(DepositMoney(ADA, 700))
    assert (result.new_version, result.position) == (6, len(LEGACY_ROWS) + 1)
    assert bank.load(ADA).balance == 2510 + 120_000 - 2010 + 4000 + 700


def test_write_rows_continues_streams_and_positions(legacy: DuckDBEventStore) -> None:
    extra = LegacyRow(CY, "MoneyDeposited", 3, {"amount": 1500, "channel": "mobile"}, "3.1")
    positions = write_rows(legacy, [extra], clock=StepClock(), new_id=SequentialIds(prefix=0x31))
    assert positions == (len(LEGACY_ROWS) + 1,)
    last = legacy.read_stream(CY)[-1]
    assert (last.version, last.event, last.metadata) == (
        3,
        MoneyDeposited(1500),
        {"release": "3.1"},
    )


def test_same_history_written_as_current_loads_the_same_states(legacy: DuckDBEventStore) -> None:
    modern = new_store()
    write_as_current(modern, LEGACY_ROWS)
    stored = modern.query(
        "SELECT DISTINCT event_type, schema_version FROM events ORDER BY event_type"
    )
    assert stored.values.tolist() == [
        ["AccountOpened", 2],
        ["MoneyDeposited", 3],
        ["MoneyWithdrawn", 1],
    ]
    old, new = Bank(legacy), Bank(modern)
    for account in (ADA, BO, CY):
        assert old.load(account) == new.load(account)
    assert new.load(BO).balance == 1999 + 150_000
    assert new.load(CY).balance == 50_000 - 12_500


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: write_rows("store", LEGACY_ROWS, clock=StepClock(), new_id=SequentialIds()),
         "DuckDBEventStore"),
        (lambda s: write_rows(s, LEGACY_ROWS[0], clock=StepClock(), new_id=SequentialIds()),
         "wrap a single row"),
        (lambda s: write_rows(s, [], clock=StepClock(), new_id=SequentialIds()), "non-empty"),
        (lambda s: write_rows(s, ["row"], clock=StepClock(), new_id=SequentialIds()),
         r"rows\[0\] is a str"),
        (lambda s: write_rows(s, LEGACY_ROWS, clock=lambda: LEGACY_START.replace(tzinfo=None),
                              new_id=SequentialIds()), "timezone-aware"),
        (lambda s: write_as_current(s, [LegacyRow(ADA, "Nope", 1, {}, "x")]), "means=None"),
    ],
)  # fmt: skip
def test_writers_refuse_bad_input_saying_what_to_do(
    call: Callable[[DuckDBEventStore], Any], message: str
) -> None:
    store = new_store()
    with pytest.raises(InvalidArgument, match=message):
        call(store)
    assert store.head_position() == 0


# -- the chain, step by step ----------------------------------------------------------------------
def test_upcast_steps_lists_each_version() -> None:
    assert upcast_steps(REGISTRY, "MoneyDeposited", 1, {"amount_eur": 25.1}) == [
        (1, {"amount_eur": 25.1}),
        (2, {"amount_cents": 2510}),
        (3, {"amount": 2510}),
    ]
    assert upcast_steps(REGISTRY, "AccountCreated", 1, {"owner": "Ada"}) == [
        (1, {"owner": "Ada"}),
        (2, {"owner": "Ada", "initial_balance": 0}),
    ]
    assert upcast_steps(REGISTRY, "MoneyWithdrawn", 1, {"amount": 5}) == [(1, {"amount": 5})]


def test_upcast_steps_carries_unknown_fields_and_leaves_its_input_alone() -> None:
    payload = {"amount_eur": 0.5, "channel": "atm"}
    steps = upcast_steps(REGISTRY, "MoneyDeposited", 1, payload)
    assert steps[-1] == (3, {"amount": 50, "channel": "atm"})
    assert payload == {"amount_eur": 0.5, "channel": "atm"}


@pytest.mark.parametrize(
    ("event_type", "version", "payload", "error", "message"),
    [
        ("MoneyDeposited", 1, {"amount_eur": 10.005}, CorruptEvent, "whole number of cents"),
        ("MoneyDeposited", 4, {"amount": 5}, UnsupportedSchemaVersion, "newer than this code"),
        ("InterestPaid", 1, {"amount": 5}, UnknownEventType, "known types are"),
    ],
)
def test_upcast_steps_raises_the_stores_own_errors(
    event_type: str, version: int, payload: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        upcast_steps(REGISTRY, event_type, version, payload, at="the notebook")
    assert "the notebook" in str(caught.value)


def test_raw_and_upcast_puts_the_stored_row_beside_the_event(legacy: DuckDBEventStore) -> None:
    frame = raw_and_upcast(legacy, 1)
    assert list(frame.index) == ["event_type", "schema_version", "payload", "event"]
    stored, read = frame.columns
    assert frame[stored].tolist() == ["AccountCreated", 1, '{"owner": "Ada"}', ""]
    assert frame[read].tolist() == [
        "AccountOpened",
        2,
        '{"initial_balance": 0, "owner": "Ada"}',
        "AccountOpened(owner='Ada', initial_balance=0)",
    ]
    with pytest.raises(InvalidArgument, match="positions 1 to 10"):
        raw_and_upcast(legacy, 99)


def test_a_row_that_cannot_be_read_shows_its_error(legacy: DuckDBEventStore) -> None:
    write_rows(
        legacy,
        [LegacyRow(BO, "MoneyDeposited", 1, {"amount_eur": 10.005}, "1.0")],
        clock=StepClock(),
        new_id=SequentialIds(prefix=0xBAD),
    )
    view = inspect_row(legacy, 11)
    assert view.event is None and isinstance(view.error, CorruptEvent)
    assert "position 11" in str(view.error) and "whole number of cents" in str(view.error)
    assert view.steps == ((1, {"amount_eur": 10.005}),)
    assert "CorruptEvent: " in raw_and_upcast(legacy, 11).iloc[3, 1]
    table = side_by_side(legacy, names=LEGACY_ACCOUNTS)
    assert table["account"].tolist()[:4] == ["Ada", "Ada", "Ada", "Bo"]
    assert table["read_as"].iloc[-1].startswith("CorruptEvent: MoneyDeposited at position 11")
    assert table["read_as"].iloc[1] == "MoneyDeposited(amount=2510)"


def test_schema_version_counts_and_chart(legacy: DuckDBEventStore) -> None:
    counts = schema_version_counts(legacy)
    assert counts.values.tolist() == [
        ["AccountCreated", 1, 1, False],
        ["AccountOpened", 1, 1, False],
        ["AccountOpened", 2, 1, True],
        ["MoneyDeposited", 1, 3, False],
        ["MoneyDeposited", 2, 2, False],
        ["MoneyWithdrawn", 1, 2, True],
    ]
    fig = plot_schema_versions(counts)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title().startswith("7 of 10 stored rows are in a shape this code no longer")
    assert "count" in ax.get_ylabel()
    with pytest.raises(InvalidArgument, match="schema_version_counts"):
        plot_schema_versions(counts.drop(columns=["current"]))


def test_migration_of_the_legacy_store_rewrites_the_old_shapes(legacy: DuckDBEventStore) -> None:
    target = new_store()
    report = migrate(legacy, target)
    assert report.events == 10 and report.unchanged == 3
    assert report.rewritten == {
        ("AccountCreated", 1): 1,
        ("AccountOpened", 1): 1,
        ("MoneyDeposited", 1): 3,
        ("MoneyDeposited", 2): 2,
    }
    assert [(r.event_type, r.schema_version) for r in stored_rows(target)][:2] == [
        ("AccountOpened", 2),
        ("MoneyDeposited", 3),
    ]


# -- the panel ------------------------------------------------------------------------------------
def test_panel_has_stable_classes_and_descriptive_names(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS)
    assert isinstance(panel, SchemaPanel)
    assert PANEL_CLASS in panel.widget._dom_classes
    for view, css in (
        (panel.row, "row"),
        (panel.raw, "raw"),
        (panel.event, "event"),
        (panel.steps, "steps"),
        (panel.next, "next"),
        (panel.previous, "previous"),
    ):
        assert f"{PANEL_CLASS}-{css}" in view._dom_classes  # fmt: skip
    assert isinstance(panel.row, widgets.Dropdown)
    assert panel.row.description == "Stored event"
    assert "Next stored event" in panel.next.description
    assert "Previous stored event" in panel.previous.description
    assert panel.positions == tuple(range(1, 11))
    assert panel.row.options[0][0] == "#1 · AccountCreated v1 · Ada v1"
    assert panel._repr_mimebundle_()["text/plain"] == (
        "Schema panel (run the cell in Jupyter to use it)"
    )
    assert repr(panel) == "SchemaPanel(position=1, rows=10)"


def test_panel_shows_the_row_chosen_in_the_dropdown(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS)
    assert "AccountCreated" in panel.raw.value
    panel.row.value = 2
    assert "{&quot;amount_eur&quot;: 25.1}" in panel.raw.value
    assert "MoneyDeposited(amount=2510)" in panel.event.value
    assert "deposited_v1_to_v2" in panel.steps.value
    assert "deposited_v2_to_v3" in panel.steps.value
    assert "{&quot;amount_cents&quot;: 2510}" in panel.steps.value
    assert panel.summary() == (
        "position 2 (Ada, version 2): stored as MoneyDeposited v1; 2 upcaster steps; "
        "read as MoneyDeposited(amount=2510)"
    )
    assert panel.summary() in panel.summary_line.value
    panel.row.value = 6
    assert "already current" in panel.summary()
    assert "MoneyWithdrawn(amount=2010)" in panel.event.value


def test_panel_buttons_step_through_the_log(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS, position=9)
    panel.next.click()
    assert panel.row.value == 10
    panel.next.click()  # already the last row: stays
    assert panel.row.value == 10
    panel.previous.click()
    assert panel.row.value == 9
    assert "MoneyDeposited(amount=150000)" in panel.event.value


def test_panel_shows_an_unreadable_row_with_its_error(legacy: DuckDBEventStore) -> None:
    write_rows(
        legacy,
        [LegacyRow(CY, "MoneyDeposited", 4, {"amount": 5}, "4.0")],
        clock=StepClock(),
        new_id=SequentialIds(prefix=0xBAD),
    )
    panel = schema_panel(legacy)
    panel.row.value = 11
    assert "UnsupportedSchemaVersion" in panel.event.value
    assert "newer than this code" in panel.summary()
    assert PANEL_CLASS + "-error" in panel.event.value


def test_panel_snapshot_html_is_the_frozen_view(legacy: DuckDBEventStore) -> None:
    panel = schema_panel(legacy, names=LEGACY_ACCOUNTS)
    panel.row.value = 8
    frozen = panel.snapshot_html()
    assert frozen.startswith(f'<div class="{PANEL_CLASS}-snapshot">')
    assert "{&quot;amount_cents&quot;: 4000}" in frozen
    assert "MoneyDeposited(amount=4000)" in frozen
    assert "position 8 (Ada, version 5)" in frozen
    assert "<script" not in frozen


def test_panel_uses_the_registry_it_is_given(legacy: DuckDBEventStore) -> None:
    def doubled(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"] * 2}

    registry = REGISTRY.with_upcaster("MoneyDeposited", 2, doubled)
    panel = schema_panel(legacy, registry=registry, position=8)
    assert "MoneyDeposited(amount=8000)" in panel.event.value
    assert "doubled" in panel.steps.value


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda s: schema_panel(new_store()), "no events yet"),
        (lambda s: schema_panel(s, position=42), "one of the stored positions"),
        (lambda s: schema_panel(s, names={"Ada": "not a uuid"}), "owner names to account ids"),
    ],
)
def test_panel_refuses_bad_arguments(
    legacy: DuckDBEventStore, build: Callable[[DuckDBEventStore], Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        build(legacy)


# -- the exercise check ---------------------------------------------------------------------------
def passes(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    assert check_deposited_v2_to_v3(answer) is True
    out = capsys.readouterr().out
    assert out.startswith("✅") and "❌" not in out
    return out


def fails(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    assert check_deposited_v2_to_v3(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("❌") and "Hint:" in out
    return out


def test_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    solution = runpy.run_path(str(SOLUTIONS / "05_exercise_1.py"))["deposited_v2_to_v3"]
    out = passes(solution, capsys)
    assert "reads v1, v2 and v3 deposits" in out
    assert "CorruptEvent" not in out or "position" in out


def test_a_plain_rename_with_a_key_error_passes(capsys: pytest.CaptureFixture[str]) -> None:
    def rename(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"]}

    passes(rename, capsys)


def test_the_real_upcaster_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(REGISTRY.upcasters[("MoneyDeposited", 2)], capsys)


def test_missing_and_stub_answers_fail(capsys: pytest.CaptureFixture[str]) -> None:
    assert "not defined yet" in fails(None, capsys)
    assert "must be a function" in fails(42, capsys)

    def stub(payload: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError("write me")

    assert "NotImplementedError" in fails(stub, capsys)


def test_an_answer_that_mutates_its_input_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def in_place(payload: dict[str, Any]) -> dict[str, Any]:
        payload["amount"] = payload.pop("amount_cents")
        return payload

    out = fails(in_place, capsys)
    assert "changed its input" in out and "never modify" in out


def test_an_answer_that_drops_unknown_fields_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def only_amount(payload: dict[str, Any]) -> dict[str, Any]:
        return {"amount": payload["amount_cents"]}

    out = fails(only_amount, capsys)
    assert "dropped 'channel'" in out and "weak schema" in out


def test_an_answer_that_keeps_the_old_key_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def both(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "amount": payload["amount_cents"]}

    out = fails(both, capsys)
    assert "still has amount_cents" in out and "removes the old name" in out


def test_an_answer_that_guesses_a_missing_amount_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def guess(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload.get("amount_cents", 0)}

    out = fails(guess, capsys)
    assert "no amount_cents" in out and "raise ValueError" in out


def test_wrong_values_and_types_fail(capsys: pytest.CaptureFixture[str]) -> None:
    def in_euros(payload: dict[str, Any]) -> dict[str, Any]:
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"] / 100}

    assert "expected {'amount': 2510}" in fails(in_euros, capsys)
    assert "NoneType" in fails(lambda payload: None, capsys)

    def crashes(payload: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    assert "raised RuntimeError: boom" in fails(crashes, capsys)


def test_an_answer_that_only_breaks_inside_the_store_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Right on the hand-made payloads, wrong on a v1 row that went through step one."""

    calls: list[dict[str, Any]] = []

    def brittle(payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(payload)
        if len(calls) > 4:  # the hand-made cases are over: now the store is reading
            return {"amount": 1}
        rest = {k: v for k, v in payload.items() if k != "amount_cents"}
        return {**rest, "amount": payload["amount_cents"]}

    out = fails(brittle, capsys)
    assert "was read as MoneyDeposited(amount=1)" in out


def test_the_check_never_raises_on_a_hostile_answer(capsys: pytest.CaptureFixture[str]) -> None:
    def not_a_dict(payload: dict[str, Any]) -> Any:
        return [("amount", payload.get("amount_cents"))]

    fails(not_a_dict, capsys)


def test_the_check_gives_a_mutated_case_no_chance_to_leak() -> None:
    """A mutating answer must not change the check's own cases for the next run."""

    def in_place(payload: dict[str, Any]) -> dict[str, Any]:
        payload.clear()
        return {"amount": 1}

    check_deposited_v2_to_v3(in_place)
    solution = runpy.run_path(str(SOLUTIONS / "05_exercise_1.py"))["deposited_v2_to_v3"]
    assert check_deposited_v2_to_v3(solution) is True


def test_account_opened_v1_reads_with_a_zero_opening_balance(legacy: DuckDBEventStore) -> None:
    assert legacy.read_stream(BO)[0].event == AccountOpened("Bo", 0)
    assert legacy.read_stream(CY)[-1].event == MoneyWithdrawn(12_500)
