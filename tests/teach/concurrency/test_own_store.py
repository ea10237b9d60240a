"""Notebook 02's second exercise: the check races a learner's event store, accepts right
answers in other shapes, and catches the wrong ones with a hint that names the mistake."""

from __future__ import annotations

from typing import Any

import pytest

from esbank.teach.concurrency import checks, clashes
from esbank.teach.concurrency import store_check as harness
from teach.concurrency import own_stores as answers
from teach.exercises import fails, passes, solution


def test_the_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(checks.check_event_store, capsys, solution("02_exercise_2.py", "MyEventStore"))
    assert "100 rounds of two threads" in out


@pytest.mark.parametrize("answer", [answers.InATransaction, answers.RowByRowWithUniqueKey])
def test_right_answers_in_other_shapes_pass(
    answer: type, capsys: pytest.CaptureFixture[str]
) -> None:
    passes(checks.check_event_store, capsys, answer)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (answers.NoRowCount, "the INSERT inserted 0 rows and append did not notice"),
        (answers.SelectThenInsertWithoutKey, "Only a key can refuse the second row"),
        (answers.TheNoteAlone, "that expected_version is the stream's current version"),
        (answers.VersionsFromZero, "the table holds versions [0] for the stream"),
        (answers.ReturnsTheRowCount, "not the row count nor expected_version + 1"),
        (answers.ReturnsExpectedPlusOne, "returned 2."),
        (answers.ZeroMeansConflict, "Compare the row count with len(events), not with 0"),
        (answers.CountedButNotAtomic, "part of your append stayed in the table"),
        (answers.EveryErrorIsAConflict, "a full disk is not a conflict"),
        (answers.SwallowsErrors, "the error was swallowed and the event is lost"),
        (answers.CountOnly, "Catch those two and raise ConcurrencyConflict"),
        (answers.RollsBackAfterAFailedCommit, "a ROLLBACK then fails"),
        (answers.CreatesTheTableEveryTime, "CREATE TABLE IF NOT EXISTS"),
        (answers.SwapsTheConflictArguments, "(aggregate_id, expected_version, actual)"),
        (answers.ReadsRows, "oldest first (ORDER BY version)"),
    ],
)
def test_wrong_answers_fail_with_the_hint_that_names_the_mistake(
    answer: type, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hint in fails(checks.check_event_store, capsys, answer)


def test_a_process_wide_lock_is_caught_by_the_rival_and_said_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(harness, "WAIT_S", 0.5)
    out = fails(checks.check_event_store, capsys, answers.LockedWithoutKey)
    assert "raised Stuck" in out and "holds a lock" in out


class Stub:
    def __init__(self, conn: Any) -> None:
        raise NotImplementedError("create the events table")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (None, "not defined yet"),
        (42, "must be a class"),
        (lambda conn: None, "must be a class"),
        (Stub, "still raises NotImplementedError"),
    ],
)
def test_no_class_or_a_stub_gets_a_hint(
    answer: Any, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hint in fails(checks.check_event_store, capsys, answer)


def test_a_store_whose_inserts_bypass_the_given_connection_is_told_where_the_check_looks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Hidden(answers.InATransaction):
        def __init__(self, conn: Any) -> None:
            super().__init__(conn._real)  # goes around the connection it was given

    assert "found no INSERT statement" in fails(checks.check_event_store, capsys, Hidden)


# -- what DuckDB does, shown in the notebook -------------------------------------------------
def test_the_three_scripted_interleavings_report_what_duckdb_does() -> None:
    table = clashes.scripted_clashes()
    assert table.iloc[:, 1:].values.tolist() == [
        ["0 row(s)", "(autocommit)", 1],
        ["ConstraintException", "no error", 1],
        ["1 row(s)", "TransactionException", 1],
    ]


def test_the_race_tally_counts_every_round_and_one_winner_each() -> None:
    tally = clashes.race_tally(rounds=60)
    assert tally["rounds"].sum() == 60
    assert tally.attrs["one winner per round"] is True
    assert set(tally[clashes.LOSER]) <= {
        "0 row(s)",
        "ConstraintException",
        "TransactionException",
    }


def test_numpy_versions_and_tuples_read_back_are_right_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import numpy as np

    class NumpyAndTuples(answers.InATransaction):
        def append(self, aggregate_id: Any, expected: int, events: list[dict[str, Any]]) -> Any:
            return np.int64(super().append(aggregate_id, expected, events))

        def read(self, aggregate_id: Any) -> Any:
            return tuple(super().read(aggregate_id))

    passes(checks.check_event_store, capsys, NumpyAndTuples)
