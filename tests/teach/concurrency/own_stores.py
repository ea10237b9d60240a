"""Event stores a learner might write for notebook 02's second exercise: right ones in other
shapes than the solution, and the wrong ones the check must catch."""

from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID

import duckdb

from esbank import ConcurrencyConflict

KEYED = (
    "CREATE TABLE IF NOT EXISTS events (aggregate_id UUID NOT NULL, version BIGINT NOT NULL, "
    "event_type TEXT NOT NULL, payload JSON NOT NULL, PRIMARY KEY (aggregate_id, version))"
)
UNKEYED = (
    "CREATE TABLE IF NOT EXISTS events (aggregate_id UUID NOT NULL, version BIGINT NOT NULL, "
    "event_type TEXT NOT NULL, payload JSON NOT NULL)"
)
CLASHES = (duckdb.ConstraintException, duckdb.TransactionException)
NOTE_INSERT = "INSERT INTO events VALUES {rows} ON CONFLICT (aggregate_id, version) DO NOTHING"
GUARDED_INSERT = (
    "INSERT INTO events SELECT * FROM (VALUES {rows}) WHERE (SELECT coalesce(max(version), 0) "
    "FROM events WHERE aggregate_id = ?) = ? ON CONFLICT (aggregate_id, version) DO NOTHING"
)


def rows_of(aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> list[Any]:
    """The flat parameters of one VALUES row per event, versions expected + 1, + 2, …"""
    return [
        x
        for i, e in enumerate(events, start=1)
        for x in (aggregate_id, expected + i, e["type"], json.dumps(e))
    ]


def placeholders(n: int) -> str:
    return ", ".join(["(?::UUID, ?::BIGINT, ?, ?::JSON)"] * n)


class Base:
    """Table, version and read as most answers write them; append is the variable part."""

    table = KEYED

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        conn.execute(self.table)

    def version(self, aggregate_id: UUID) -> int:
        return self.conn.execute(
            "SELECT coalesce(max(version), 0) FROM events WHERE aggregate_id = ?", [aggregate_id]
        ).fetchone()[0]

    def read(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT payload FROM events WHERE aggregate_id = ? ORDER BY version", [aggregate_id]
        ).fetchall()
        return [json.loads(p) for (p,) in rows]

    def conflict(self, aggregate_id: UUID, expected: int) -> ConcurrencyConflict:
        return ConcurrencyConflict(aggregate_id, expected, self.version(aggregate_id))

    def guarded(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        """The guarded one-statement INSERT; returns the row count."""
        sql = GUARDED_INSERT.format(rows=placeholders(len(events)))
        params = [*rows_of(aggregate_id, expected, events), aggregate_id, expected]
        return self.conn.execute(sql, params).fetchone()[0]


# -- right answers, in other shapes ---------------------------------------------------------
class InATransaction(Base):
    """BEGIN, check the version, the note's INSERT, the row count, COMMIT."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        self.conn.execute("BEGIN")
        try:
            if self.version(aggregate_id) != expected:
                raise self.conflict(aggregate_id, expected)
            sql = NOTE_INSERT.format(rows=placeholders(len(events)))
            inserted = self.conn.execute(sql, rows_of(aggregate_id, expected, events)).rowcount
            if inserted != len(events):
                raise self.conflict(aggregate_id, expected)
        except (ConcurrencyConflict, duckdb.ConstraintException) as exc:
            self.conn.execute("ROLLBACK")
            if isinstance(exc, ConcurrencyConflict):
                raise
            raise self.conflict(aggregate_id, expected) from exc
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except duckdb.TransactionException as exc:  # DuckDB has rolled back already
            raise self.conflict(aggregate_id, expected) from exc
        return expected + len(events)


class RowByRowWithUniqueKey:
    """A UNIQUE key, one INSERT per event inside a transaction, the counts summed, the event
    type kept apart from the payload and put back on reading."""

    def __init__(self, conn: Any) -> None:
        self.db = conn
        conn.execute(
            "CREATE TABLE IF NOT EXISTS events (aggregate_id UUID, version BIGINT, "
            "event_type TEXT, payload JSON, UNIQUE (aggregate_id, version))"
        )

    def current(self, aggregate_id: UUID) -> int:
        (found,) = self.db.execute(
            "SELECT max(version) FROM events WHERE aggregate_id = ?", [aggregate_id]
        ).fetchone()
        return found or 0

    def append(self, aggregate_id: UUID, expected_version: int, events: list[dict]) -> int:
        inserted = 0
        self.db.begin()
        try:
            if self.current(aggregate_id) == expected_version:
                for version, event in enumerate(events, start=expected_version + 1):
                    payload = {k: v for k, v in event.items() if k != "type"}
                    (count,) = self.db.execute(
                        "INSERT INTO events VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        [aggregate_id, version, event["type"], json.dumps(payload)],
                    ).fetchone()
                    inserted += count
        except duckdb.ConstraintException:
            inserted = -1
        except Exception:
            self.db.rollback()
            raise
        if inserted != len(events):
            self.db.rollback()
            raise ConcurrencyConflict(aggregate_id, expected_version, self.current(aggregate_id))
        try:
            self.db.commit()
        except duckdb.TransactionException as clash:
            actual = self.current(aggregate_id)
            raise ConcurrencyConflict(aggregate_id, expected_version, actual) from clash
        return expected_version + inserted

    def read(self, aggregate_id: UUID) -> list[dict]:
        rows = self.db.execute(
            "SELECT event_type, payload FROM events WHERE aggregate_id = ? ORDER BY version",
            [aggregate_id],
        ).fetchall()
        return [{"type": t, **json.loads(p)} for t, p in rows]


# -- wrong answers ---------------------------------------------------------------------------
class NoRowCount(Base):
    """The guarded INSERT, its count never looked at: a lost race is a silent loss."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        try:
            self.guarded(aggregate_id, expected, events)
        except CLASHES as exc:
            raise self.conflict(aggregate_id, expected) from exc
        return expected + len(events)


class SelectThenInsertWithoutKey(Base):
    """Checks the version with a SELECT, then a plain INSERT into a table without a key."""

    table = UNKEYED

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        if self.version(aggregate_id) != expected:
            raise self.conflict(aggregate_id, expected)
        sql = f"INSERT INTO events VALUES {placeholders(len(events))}"
        self.conn.execute(sql, rows_of(aggregate_id, expected, events))
        return expected + len(events)


class TheNoteAlone(Base):
    """The note's INSERT … DO NOTHING and row count, with no check of the current version."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        sql = NOTE_INSERT.format(rows=placeholders(len(events)))
        try:
            inserted = self.conn.execute(sql, rows_of(aggregate_id, expected, events)).rowcount
        except CLASHES as exc:
            raise self.conflict(aggregate_id, expected) from exc
        if inserted != len(events):
            raise self.conflict(aggregate_id, expected)
        return expected + len(events)


class VersionsFromZero(Base):
    """Numbers the events expected + 0, + 1, …: the first event of a stream is version 0."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        return TheNoteAlone.append(self, aggregate_id, expected - 1, events) + 1


class ReturnsTheRowCount(Base):
    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        try:
            inserted = self.guarded(aggregate_id, expected, events)
        except CLASHES as exc:
            raise self.conflict(aggregate_id, expected) from exc
        if inserted != len(events):
            raise self.conflict(aggregate_id, expected)
        return inserted


class ReturnsExpectedPlusOne(Base):
    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        try:
            inserted = self.guarded(aggregate_id, expected, events)
        except CLASHES as exc:
            raise self.conflict(aggregate_id, expected) from exc
        if inserted != len(events):
            raise self.conflict(aggregate_id, expected)
        return expected + 1


class ZeroMeansConflict(Base):
    """The version checked first, then the note's test `rowcount == 0`, in autocommit."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        if self.version(aggregate_id) != expected:
            raise self.conflict(aggregate_id, expected)
        sql = NOTE_INSERT.format(rows=placeholders(len(events)))
        try:
            inserted = self.conn.execute(sql, rows_of(aggregate_id, expected, events)).rowcount
        except CLASHES as exc:
            raise self.conflict(aggregate_id, expected) from exc
        if inserted == 0:
            raise self.conflict(aggregate_id, expected)
        return expected + len(events)


class CountedButNotAtomic(ZeroMeansConflict):
    """Compares the count with len(events), but in autocommit the rows that went in stay."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        if self.version(aggregate_id) != expected:
            raise self.conflict(aggregate_id, expected)
        sql = NOTE_INSERT.format(rows=placeholders(len(events)))
        inserted = self.conn.execute(sql, rows_of(aggregate_id, expected, events)).rowcount
        if inserted != len(events):
            raise self.conflict(aggregate_id, expected)
        return expected + len(events)


class EveryErrorIsAConflict(Base):
    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        try:
            inserted = self.guarded(aggregate_id, expected, events)
        except Exception as exc:
            raise ConcurrencyConflict(aggregate_id, expected, expected + 1) from exc
        if inserted != len(events):
            raise self.conflict(aggregate_id, expected)
        return expected + len(events)


class SwallowsErrors(Base):
    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        inserted = len(events)
        try:  # noqa: SIM105 (written as a learner would)
            inserted = self.guarded(aggregate_id, expected, events)
        except Exception:
            pass
        if inserted != len(events):
            raise self.conflict(aggregate_id, expected)
        return expected + len(events)


class CountOnly(Base):
    """The guarded INSERT and the row count, but DuckDB's clash errors escape untyped."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        if self.guarded(aggregate_id, expected, events) != len(events):
            raise self.conflict(aggregate_id, expected)
        return expected + len(events)


class RollsBackAfterAFailedCommit(InATransaction):
    """Right, except that after a failed COMMIT it runs ROLLBACK, which DuckDB refuses."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        self.conn.execute("BEGIN")
        try:
            inserted = self.guarded(aggregate_id, expected, events)
            if inserted != len(events):
                raise self.conflict(aggregate_id, expected)
            self.conn.execute("COMMIT")
        except (ConcurrencyConflict, *CLASHES) as exc:
            self.conn.execute("ROLLBACK")
            if isinstance(exc, ConcurrencyConflict):
                raise
            raise self.conflict(aggregate_id, expected) from exc
        return expected + len(events)


class CreatesTheTableEveryTime(Base):
    table = KEYED.replace(" IF NOT EXISTS", "")

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        return InATransaction.append(self, aggregate_id, expected, events)  # type: ignore[arg-type]


class SwapsTheConflictArguments(Base):
    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        try:
            inserted = self.guarded(aggregate_id, expected, events)
        except CLASHES as exc:
            raise self.conflict(aggregate_id, expected) from exc
        if inserted != len(events):
            raise ConcurrencyConflict(aggregate_id, self.version(aggregate_id), expected)
        return expected + len(events)


class ReadsRows(InATransaction):
    def read(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        return self.conn.execute(
            "SELECT * FROM events WHERE aggregate_id = ? ORDER BY version", [aggregate_id]
        ).fetchall()


_LOCK = threading.Lock()


class LockedWithoutKey(SelectThenInsertWithoutKey):
    """One process-wide lock around SELECT and INSERT, and no key on the table."""

    def append(self, aggregate_id: UUID, expected: int, events: list[dict[str, Any]]) -> int:
        with _LOCK:
            return super().append(aggregate_id, expected, events)
