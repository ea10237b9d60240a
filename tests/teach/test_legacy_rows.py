"""Rows written around the codec, as old releases wrote them (notebooks 05 and 06)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from esbank import DuckDBEventStore, InvalidArgument, MoneyDeposited
from esbank.teach import SequentialIds, StepClock
from esbank.teach.determinism import memory_store
from esbank.teach.legacy_rows import LegacyRow, write_rows
from esbank.teach.schema import (
    LEGACY_ACCOUNTS,
    LEGACY_ROWS,
    LEGACY_START,
    write_as_current,
)

ADA, CY = LEGACY_ACCOUNTS["Ada"], LEGACY_ACCOUNTS["Cy"]


def new_store() -> DuckDBEventStore:
    return memory_store()


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
