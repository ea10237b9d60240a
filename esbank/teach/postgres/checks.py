"""The exercise check of notebook 09: the reference note's append, with its row-count check.

The answer runs against a real PostgreSQL table shaped like the note's ``events`` (a fresh
database each time): two appends in a row, then a stale one that must raise
``ConcurrencyConflict`` and write nothing, then another stream.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from esbank.eventstore.errors import ConcurrencyConflict
from esbank.teach.grading import ACCOUNT, Mistake, first_mistake, passed
from esbank.teach.postgres.database import connect, drop_lesson_database, lesson_database
from esbank.teach.postgres.note import NOTE_SCHEMA, create_note_tables

Append = Callable[[Any, UUID, int, str, str], Any]
OTHER = UUID(int=0xE2)
_ROW_HINT = (
    "INSERT … ON CONFLICT (aggregate_id, version) DO NOTHING writes 0 rows when another "
    "writer took that version; read cursor.rowcount and raise ConcurrencyConflict(aggregate_id, "
    "expected_version, actual_version) when it is 0."
)


def _stored(conn: Any) -> list[tuple[Any, ...]]:
    return conn.execute(
        f"SELECT aggregate_id, version, event_type, payload FROM {NOTE_SCHEMA}.events "
        "ORDER BY aggregate_id, version"
    ).fetchall()


def _appends_in_a_row(conn: Any, append_event: Append) -> Mistake | None:
    """Two appends to a new stream: versions 1 and 2, stored as given."""
    for expected, amount in ((0, 100), (1, 25)):
        kind = "AccountOpened" if expected == 0 else "MoneyDeposited"
        payload = json.dumps({"amount": amount})
        shown = f"append_event(conn, ACCOUNT, {expected}, {kind!r}, {payload!r})"
        try:
            got = append_event(conn, ACCOUNT, expected, kind, payload)
        except NotImplementedError:
            raise
        except Exception as exc:
            return (f"{shown} raised {type(exc).__name__}: {exc}", _ROW_HINT)
        stored = [row[1:3] for row in _stored(conn)]
        if stored[-1:] != [(expected + 1, kind)]:
            return (
                f"after {shown} the table holds (version, type) {stored}.",
                f"a stream at version {expected} takes its next event at version "
                f"{expected + 1}: insert expected_version + 1.",
            )
        if got != expected + 1:
            return (f"{shown} returned {got!r}.", f"return the version written, {expected + 1}.")
    return None


def _stale_append(conn: Any, append_event: Append) -> Mistake | None:
    """A writer that read version 1 (the stream is at 2) must be refused, nothing written."""
    before = _stored(conn)
    shown = "append_event(conn, ACCOUNT, 1, 'MoneyWithdrawn', '{\"amount\": 70}')"
    try:
        got = append_event(conn, ACCOUNT, 1, "MoneyWithdrawn", '{"amount": 70}')
    except NotImplementedError:
        raise
    except ConcurrencyConflict as conflict:
        if _stored(conn) != before:
            return (f"{shown} raised, but the table changed.", "a refused append writes nothing.")
        if (conflict.expected, conflict.actual) != (1, 2):
            return (
                f"the conflict says expected {conflict.expected}, actual {conflict.actual}.",
                "pass the expected version the caller gave (1) and the stream's real version "
                "(2, read with SELECT max(version)).",
            )
        return None
    except Exception as exc:
        return (
            f"{shown} raised {type(exc).__name__}, not ConcurrencyConflict: {exc}",
            _ROW_HINT,
        )
    return (
        f"{shown} returned {got!r}, yet the stream is at version 2 and nothing was written: "
        "the withdrawal is silently lost.",
        _ROW_HINT,
    )


def _mistake(append_event: Append) -> Mistake | None:
    conninfo = lesson_database(prefix="esbank_check09")
    try:
        with connect(conninfo) as conn:
            create_note_tables(conn)
            for step in (_appends_in_a_row, _stale_append):
                wrong = step(conn, append_event)
                if wrong is not None:
                    return wrong
            try:
                append_event(conn, OTHER, 0, "AccountOpened", '{"owner": "Bob"}')
            except Exception as exc:
                return (
                    f"a first append to another stream raised {type(exc).__name__}: {exc}",
                    "each stream has its own versions: another account starts at version 1.",
                )
    finally:
        drop_lesson_database(conninfo)
    return None


def check_append_event(append_event: Append | None) -> bool:
    """Notebook 09, exercise 1: ``append_event(conn, aggregate_id, expected_version,
    event_type, payload_json)`` as the reference note writes it, with the row-count check."""
    wrong = first_mistake(
        "append_event",
        append_event,
        _mistake,
        stub_hint="replace the raise: INSERT INTO note.events … VALUES (%s, %s, %s, %s) ON "
        "CONFLICT (aggregate_id, version) DO NOTHING, then check cursor.rowcount.",
    )
    if wrong is not None:
        return wrong
    return passed(
        "append_event writes versions 1 and 2, refuses a stale writer with "
        "ConcurrencyConflict(expected 1, actual 2) and writes nothing for it, and starts "
        "another stream at 1: no lost race is a lost event."
    )
