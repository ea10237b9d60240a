"""The events table made to fit: short ids that stay apart, UTC times, nothing else changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pandas as pd

from esbank import AccountOpened, DuckDBEventStore, MoneyDeposited
from esbank.teach import SequentialIds, StepClock
from esbank.teach.concurrency import compact_events, id_legend
from esbank.teach.concurrency.events_table import short_id, suffix_digits


def _frame() -> pd.DataFrame:
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    accounts = SequentialIds(prefix=0xB)
    ada, bo = accounts(), accounts()
    store.append(ada, [AccountOpened("Ada", 100), MoneyDeposited(5)], expected_version=0)
    store.append(bo, [AccountOpened("Bo", 0)], expected_version=0)
    return store.query(
        "SELECT position, aggregate_id, version, event_id, event_type, payload, recorded_at "
        "FROM events ORDER BY position"
    )


def test_ids_are_shortened_to_their_last_digits_and_times_to_utc_text() -> None:
    frame = _frame()
    shown = compact_events(frame)
    assert shown["aggregate_id"].tolist() == ["…0001", "…0001", "…0002"]
    assert shown["event_id"].tolist() == ["…0001", "…0002", "…0003"]
    assert shown["recorded_at (UTC)"].tolist() == ["2026-01-05 09:00:00"] * 2 + [
        "2026-01-05 09:01:00"
    ]
    unchanged = ["position", "version", "event_type", "payload"]
    assert shown[unchanged].equals(frame[unchanged])
    assert "recorded_at" not in shown.columns
    assert frame["aggregate_id"].iloc[0] == UUID(int=(0xB << 112) | 1)  # the input is untouched


def test_enough_digits_to_keep_every_id_apart() -> None:
    ids = [UUID(int=0x1_0000_0001), UUID(int=0x2_0000_0001), UUID(int=0x42)]
    assert suffix_digits(ids) == 9
    assert [short_id(i, 9) for i in ids] == ["…100000001", "…200000001", "…000000042"]
    assert suffix_digits([UUID(int=7)]) == 4
    same = UUID(int=5)
    assert suffix_digits([same, str(same)]) == 4  # one id, given twice


def test_times_in_another_zone_are_shown_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    frame = pd.DataFrame({"recorded_at": [datetime(2026, 1, 5, 11, 30, tzinfo=plus_two)]})
    assert compact_events(frame)["recorded_at (UTC)"].tolist() == ["2026-01-05 09:30:00"]
    naive = pd.DataFrame({"recorded_at": [datetime(2026, 1, 5, 9, 30, tzinfo=UTC)]})
    assert compact_events(naive)["recorded_at (UTC)"].tolist() == ["2026-01-05 09:30:00"]


def test_the_legend_gives_the_full_id_behind_each_short_one() -> None:
    legend = id_legend(_frame())
    assert legend.to_dict("list") == {
        "shown as": ["…0001", "…0002"],
        "aggregate_id": [
            "000b0000-0000-0000-0000-000000000001",
            "000b0000-0000-0000-0000-000000000002",
        ],
    }
