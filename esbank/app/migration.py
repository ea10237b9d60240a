"""Offline copy-and-transform migration: rewrite a whole store at the current schema versions.

The alternative to lazy upcasting. Every event is read (and upcast) from the old store and
written into a new, empty one with the same positions, ids, versions, times and metadata;
only the payloads change shape. The old store is left as it was, so the migration can be
checked, and thrown away, before anyone switches to the new one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from esbank.domain.arguments import require_int
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.protocol import EventStore


@dataclass(frozen=True, slots=True)
class MigrationReport:
    """What a migration copied, and which stored (type, version) pairs it rewrote."""

    events: int
    rewritten: dict[tuple[str, int], int]
    unchanged: int


def migrate(source: EventStore, target: EventStore, *, page: int = 50_000) -> MigrationReport:
    """Copy every event of ``source`` into the empty ``target`` at the current schema versions."""
    require_int("page", page, minimum=1)
    if source is target or source.same_database(target):
        raise InvalidArgument("migrate copies into a different, new store; give it another path")
    if target.head_position() != 0:
        raise InvalidArgument(
            f"the target store already holds {target.head_position()} events; migrate into an "
            "empty store"
        )
    rewritten: Counter[tuple[str, int]] = Counter()
    copied = unchanged = 0
    after = 0
    while batch := source.read_all(after_position=after, limit=page):
        for r in batch:
            if (r.event_type, r.schema_version) == (r.event.event_type, r.event.schema_version):
                unchanged += 1
            else:
                rewritten[(r.event_type, r.schema_version)] += 1
        copied += target.copy_in(batch)
        after = batch[-1].position
    return MigrationReport(copied, dict(sorted(rewritten.items())), unchanged)
