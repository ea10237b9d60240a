"""The old application of notebook 05 writes what old releases wrote, and every row reads as
the fact it stands for."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from esbank import (
    AccountOpened,
    Bank,
    DepositMoney,
    DuckDBEventStore,
    MoneyDeposited,
    MoneyWithdrawn,
    migrate,
)
from esbank.teach import SequentialIds
from esbank.teach.determinism import memory_store
from esbank.teach.schema import (
    LEGACY_ACCOUNTS,
    LEGACY_ROWS,
    LEGACY_START,
    LEGACY_STEP,
    stored_rows,
    write_as_current,
    write_legacy_history,
)

ADA, BO, CY = (LEGACY_ACCOUNTS[name] for name in ("Ada", "Bo", "Cy"))


def new_store() -> DuckDBEventStore:
    return memory_store()


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


def test_account_opened_v1_reads_with_a_zero_opening_balance(legacy: DuckDBEventStore) -> None:
    assert legacy.read_stream(BO)[0].event == AccountOpened("Bo", 0)
    assert legacy.read_stream(CY)[-1].event == MoneyWithdrawn(12_500)
