"""Notebook 09, exercise 1 (solution): the reference note's append, with its row-count check."""

from uuid import UUID

from esbank import ConcurrencyConflict


def append_event(
    conn, aggregate_id: UUID, expected_version: int, event_type: str, payload_json: str
) -> int:
    """Insert the event at ``expected_version + 1``; a version someone else took is a conflict.

    ``ON CONFLICT … DO NOTHING`` never raises: it writes no row. The row count is the only sign
    that the write did not happen, so it must be checked, every time.
    """
    cursor = conn.execute(
        "INSERT INTO note.events (aggregate_id, version, event_type, payload) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (aggregate_id, version) DO NOTHING",
        [aggregate_id, expected_version + 1, event_type, payload_json],
    )
    if cursor.rowcount == 0:
        (actual,) = conn.execute(
            "SELECT coalesce(max(version), 0) FROM note.events WHERE aggregate_id = %s",
            [aggregate_id],
        ).fetchone()
        raise ConcurrencyConflict(aggregate_id, expected_version, actual)
    return expected_version + 1
