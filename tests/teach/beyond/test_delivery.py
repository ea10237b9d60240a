"""The outside world of notebook 11: the dual write loses or invents a message when the
process dies between its two writes; a relay from the log loses nothing at least once, and
the inbox makes it effectively once."""

from __future__ import annotations

import pytest

from esbank import Bank, DepositMoney, DuckDBEventStore, InvalidArgument, WithdrawMoney
from esbank.teach import SequentialIds, StepClock
from esbank.teach.beyond import (
    MODES,
    Crash,
    Outside,
    compare_guarantees,
    publish_then_write,
    relay,
    write_then_publish,
)


def small_bank(deposits: int = 9) -> Bank:
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    bank = Bank(store, new_id=SequentialIds())
    ada = bank.open_account("Ada", 10_000).aggregate_id
    for i in range(deposits):
        bank.handle(DepositMoney(ada, 100 * (i + 1)))
    return bank


def test_write_then_publish_loses_the_message_when_the_process_dies_in_between() -> None:
    bank = small_bank(deposits=0)
    ada = bank.store.read_all()[0].aggregate_id
    outside = Outside()
    write_then_publish(bank, outside, DepositMoney(ada, 500))
    with pytest.raises(Crash):
        write_then_publish(bank, outside, DepositMoney(ada, 700), crash=True)
    assert bank.load(ada).balance == 10_000 + 500 + 700  # stored …
    assert outside.messages()["change"].tolist() == [500]  # … never published
    report = outside.report(bank.store.read_all())
    assert (report["lost"], report["off by (¢)"]) == (2, -10_700)  # the opening was never sent


def test_publish_then_write_announces_what_never_happened() -> None:
    bank = small_bank(deposits=0)
    ada = bank.store.read_all()[0].aggregate_id
    outside = Outside()
    with pytest.raises(Crash):
        publish_then_write(bank, outside, WithdrawMoney(ada, 4_000), crash=True)
    assert bank.load(ada).balance == 10_000
    messages = outside.messages()
    assert messages["change"].tolist() == [-4_000]
    assert messages["position"].isna().all()  # never stored: no position
    result = publish_then_write(bank, outside, WithdrawMoney(ada, 1_000))
    stored = bank.store.read_stream(ada)[-1]
    assert stored.position == result.position
    assert outside.messages()["event_id"].iloc[-1] == stored.event_id  # same id both sides


@pytest.mark.parametrize("mode", MODES)
def test_each_relay_without_a_crash_delivers_every_event_once(mode: str) -> None:
    bank = small_bank()
    outside = Outside(inbox=mode == "effectively once")
    assert relay(bank.store, outside, mode) == 0  # type: ignore[arg-type]
    report = outside.report(bank.store.read_all())
    assert report["messages sent"] == report["delivered"] == report["applied"] == 10
    assert report["lost"] == report["delivered twice"] == report["off by (¢)"] == 0


def test_the_three_guarantees_side_by_side_with_one_crash() -> None:
    table = compare_guarantees(small_bank().store, crash_at=(6,), batch_size=4)
    assert list(table.index) == list(MODES)
    assert table["crashes"].tolist() == [1, 1, 1]
    most, least, once = (table.loc[m] for m in MODES)
    # at most once: the batch's checkpoint moved first, the rest of the batch is gone
    assert (most["lost"], most["delivered twice"], most["applied twice"]) == (2, 0, 0)
    assert most["delivered"] == 8 and least["delivered"] == once["delivered"] == 10
    assert most["off by (¢)"] < 0
    # at least once: the first two messages of the batch went out again
    assert (least["lost"], least["delivered twice"], least["applied twice"]) == (0, 2, 2)
    assert least["off by (¢)"] > 0
    # effectively once: delivered twice all the same, applied once
    assert (once["lost"], once["delivered twice"], once["applied twice"]) == (0, 2, 0)
    assert once["off by (¢)"] == 0 and once["applied"] == once["events in the log"] == 10


def test_many_crashes_still_lose_nothing_at_least_once() -> None:
    bank = small_bank(deposits=20)
    outside = Outside(inbox=True, crash_at=range(2, 40, 3))
    assert relay(bank.store, outside, "effectively once", batch_size=3) > 5
    report = outside.report(bank.store.read_all())
    assert report["lost"] == report["applied twice"] == report["off by (¢)"] == 0
    assert report["delivered twice"] > 0


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="mode"):
        relay(small_bank(0).store, Outside(), "exactly once")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="crash_at"):
        Outside(crash_at=[0])
