"""Notebook 09's check passes the solution and names the classic wrong appends."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from esbank import ConcurrencyConflict
from esbank.teach.postgres.checks import check_append_event
from teach.exercises import fails as check_fails
from teach.exercises import not_implemented, solution
from teach.exercises import passes as check_passes

INSERT = (
    "INSERT INTO note.events (aggregate_id, version, event_type, payload) VALUES (%s, %s, %s, %s)"
)


@pytest.fixture(autouse=True)
def _server(pg_server: str) -> None:
    """The check makes its own database on the run's server (skipped without one)."""


def passes(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    return check_passes(check_append_event, capsys, answer)


def fails(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    return check_fails(check_append_event, capsys, answer)


def test_the_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(solution("09_exercise_1.py", "append_event"), capsys)
    assert "ConcurrencyConflict(expected 1, actual 2)" in out


def test_catching_the_key_violation_is_right_too(capsys: pytest.CaptureFixture[str]) -> None:
    def by_exception(conn: Any, aggregate_id: UUID, expected: int, kind: str, payload: str) -> int:
        try:
            conn.execute(INSERT, [aggregate_id, expected + 1, kind, payload])
        except Exception as exc:
            raise ConcurrencyConflict(aggregate_id, expected, expected + 1) from exc
        return expected + 1

    passes(by_exception, capsys)


def test_no_row_count_check_silently_loses_the_event(capsys: pytest.CaptureFixture[str]) -> None:
    def unchecked(conn: Any, aggregate_id: UUID, expected: int, kind: str, payload: str) -> int:
        conn.execute(
            INSERT + " ON CONFLICT (aggregate_id, version) DO NOTHING",
            [aggregate_id, expected + 1, kind, payload],
        )
        return expected + 1

    out = fails(unchecked, capsys)
    assert "silently lost" in out
    assert "rowcount" in out


def test_a_plain_insert_raises_the_drivers_error(capsys: pytest.CaptureFixture[str]) -> None:
    def plain(conn: Any, aggregate_id: UUID, expected: int, kind: str, payload: str) -> int:
        conn.execute(INSERT, [aggregate_id, expected + 1, kind, payload])
        return expected + 1

    out = fails(plain, capsys)
    assert "raised UniqueViolation, not ConcurrencyConflict" in out


def test_writing_at_the_expected_version_itself(capsys: pytest.CaptureFixture[str]) -> None:
    def off_by_one(conn: Any, aggregate_id: UUID, expected: int, kind: str, payload: str) -> int:
        conn.execute(INSERT, [aggregate_id, expected, kind, payload])
        return expected

    out = fails(off_by_one, capsys)
    assert "insert expected_version + 1" in out


def test_a_conflict_must_name_the_real_version(capsys: pytest.CaptureFixture[str]) -> None:
    right = solution("09_exercise_1.py", "append_event")

    def vague(conn: Any, aggregate_id: UUID, expected: int, kind: str, payload: str) -> int:
        try:
            return int(right(conn, aggregate_id, expected, kind, payload))
        except ConcurrencyConflict:
            raise ConcurrencyConflict(aggregate_id, expected, -1) from None

    out = fails(vague, capsys)
    assert "actual -1" in out


def test_a_stub_or_nothing_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert "still raises NotImplementedError" in fails(not_implemented, capsys)
    assert "not defined yet" in fails(None, capsys)
