"""The bigserial trap reproduced step by step, and the writer lock that fixes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esbank import InvalidArgument
from esbank.teach.postgres import SCRIPT, TailRace


@pytest.fixture
def serial(conninfo: str) -> Iterator[TailRace]:
    race = TailRace(conninfo, "bigserial")
    yield race
    race.close()


@pytest.fixture
def locked(conninfo: str) -> Iterator[TailRace]:
    race = TailRace(conninfo, "writer lock")
    yield race
    race.close()


def test_bigserial_lets_a_tailing_reader_miss_rows_that_commit_late(serial: TailRace) -> None:
    said = serial.run(SCRIPT)
    state = serial.state()
    assert [p for p, _ in state.committed] == [1, 2, 3]  # every row is there...
    assert state.seen == [3]  # ...but the reader read only the one that committed first
    assert state.missed == [1, 2]
    assert state.commit_order == [3, 1, 2]
    assert said[4] == "reader: after 0 it reads [3]; checkpoint 3"
    assert said[7] == "reader: after 3 it reads nothing; checkpoint 3"


def test_the_writer_lock_makes_positions_visible_in_order(locked: TailRace) -> None:
    said = locked.run(SCRIPT)
    state = locked.state()
    assert state.seen == [1, 2, 3]
    assert state.missed == []
    assert state.commit_order == [1, 2, 3]
    assert said[1] == "B waits: A holds the writer lock until it commits"
    assert said[5].startswith("A commits position 1; then B inserts position 2")
    assert state.waiting == []


def test_a_writer_that_waits_inserts_when_the_holder_commits(locked: TailRace) -> None:
    locked.insert("A")
    assert locked.insert("B").startswith("B waits")
    assert locked.insert("B") == "B is still waiting for the writer lock"
    assert locked.state().waiting == ["B"]
    assert locked.state().pending == {"A": [1], "B": [], "C": []}
    locked.commit("A")
    assert locked.state().pending["B"] == [2]
    assert locked.commit("B") == "B commits position 2"


def test_a_writer_may_insert_several_rows_in_one_transaction(serial: TailRace) -> None:
    serial.insert("A")
    serial.insert("A")
    assert serial.commit("A") == "A commits positions 1, 2"
    assert serial.commit("A") == "A has nothing to commit"
    assert serial.poll() == "reader: after 0 it reads [1, 2]; checkpoint 2"


def test_reset_starts_again_with_an_empty_log(serial: TailRace) -> None:
    serial.run(SCRIPT)
    assert serial.reset() == "an empty log (bigserial)"
    state = serial.state()
    assert (state.committed, state.seen, state.checkpoint, state.missed) == ([], [], 0, [])
    assert serial.insert("B").startswith("B inserts position 1")  # the sequence starts over


def test_bad_strategies_writers_and_steps_are_refused(conninfo: str, serial: TailRace) -> None:
    with pytest.raises(InvalidArgument, match="strategy must be one of"):
        TailRace(conninfo, "uuid")
    with pytest.raises(InvalidArgument, match="no writer 'D'"):
        serial.insert("D")
    with pytest.raises(InvalidArgument, match="a step is 'poll'"):
        serial.run(["A delete"])
