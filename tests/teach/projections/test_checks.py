"""Notebook 06's check passes the solution (and another right shape) and names wrong SQL."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from esbank.teach.projections.checks import check_largest_withdrawal
from teach.exercises import fails, passes
from teach.exercises import solution as solution_of


def solution() -> type:
    return solution_of("06_exercise_1.py", "LargestWithdrawal")


def with_sql(sql: str) -> type:
    base = solution()

    class Variant(base):  # type: ignore[misc, valid-type]
        def apply(self, conn: duckdb.DuckDBPyConnection, source: str) -> None:
            conn.execute(sql.format(source=source))

    return Variant


INSERT = (
    "INSERT INTO largest_withdrawals SELECT CAST(aggregate_id AS UUID), {expr} "
    "FROM {{source}} {where} GROUP BY aggregate_id {conflict}"
)
WHERE = "WHERE event_type = 'MoneyWithdrawn'"
GREATEST = (
    "ON CONFLICT (aggregate_id) DO UPDATE SET "
    "amount = greatest(largest_withdrawals.amount, excluded.amount)"
)


def test_check_passes_the_solution(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_largest_withdrawal, capsys, solution())
    passes(check_largest_withdrawal, capsys, solution()())  # an instance works too


class UpdateThenInsert:
    """Another right shape: a plain class, a CASE instead of a WHERE, and the merge written
    as an UPDATE of known accounts then an INSERT of new ones (no ON CONFLICT)."""

    name = "largest_withdrawal"
    tables = ("largest_withdrawals",)

    def create(self, conn: duckdb.DuckDBPyConnection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS largest_withdrawals "
            "(aggregate_id UUID PRIMARY KEY, amount BIGINT NOT NULL)"
        )

    def apply(self, conn: duckdb.DuckDBPyConnection, source: str) -> None:
        batch = (
            "SELECT CAST(aggregate_id AS UUID) AS aggregate_id, "
            "max(CASE WHEN event_type = 'MoneyWithdrawn' THEN -change END) AS amount "
            f"FROM {source} GROUP BY aggregate_id HAVING amount IS NOT NULL"
        )
        conn.execute(
            f"UPDATE largest_withdrawals AS t SET amount = greatest(t.amount, b.amount) "
            f"FROM ({batch}) AS b WHERE t.aggregate_id = b.aggregate_id"
        )
        conn.execute(
            f"INSERT INTO largest_withdrawals SELECT b.aggregate_id, b.amount FROM ({batch}) b "
            "WHERE b.aggregate_id NOT IN (SELECT aggregate_id FROM largest_withdrawals)"
        )


def test_check_passes_another_right_shape(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_largest_withdrawal, capsys, UpdateThenInsert)


@pytest.mark.parametrize(
    ("expr", "where", "conflict", "hint"),
    [
        ("max(change)", WHERE, GREATEST, "max(change) is the smallest withdrawal"),
        ("max(abs(change))", "", GREATEST, "counting deposits"),
        ("max(-change)", WHERE, "", "ON CONFLICT"),
        (
            "max(-change)",
            WHERE,
            "ON CONFLICT (aggregate_id) DO UPDATE SET amount = excluded.amount",
            "a batch only sees its own events",
        ),
        ("max(-change)", WHERE, "ON CONFLICT DO NOTHING", "a batch only sees its own events"),
        ("min(-change)", WHERE, GREATEST, "smallest withdrawal"),
    ],
)
def test_check_rejects_wrong_sql_with_a_specific_hint(
    expr: str, where: str, conflict: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = with_sql(INSERT.format(expr=expr, where=where, conflict=conflict))
    assert hint in fails(check_largest_withdrawal, capsys, answer)


class Stub:
    name = "largest_withdrawal"
    tables = ("largest_withdrawals",)

    def create(self, conn: Any) -> None:
        raise NotImplementedError

    def apply(self, conn: Any, source: str) -> None:
        raise NotImplementedError


class WrongTable(Stub):
    tables = ("withdrawals",)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (None, "not defined yet"),
        (Stub, "NotImplementedError"),
        (WrongTable, "tables is"),
        (42, "has no name"),
    ],
)
def test_check_never_raises_on_unfinished_answers(
    answer: Any, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_largest_withdrawal(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("❌") and says in out
