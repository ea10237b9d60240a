"""The bigserial trap, one step at a time on a real server, and its fix.

Writers insert into a one-column log and commit; a reader tails it (``position > checkpoint``)
as a projector does. With ``bigserial`` a writer takes its number at INSERT, but the row
becomes visible at COMMIT: when a later number commits first, the reader moves its checkpoint
past the earlier one, which then commits behind it and is never read. With the writer lock
(``LOCK TABLE … IN EXCLUSIVE MODE`` inside the transaction, the next number read under it) a
second writer waits for the first to commit, so numbers are visible in the order they were
handed out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from esbank.domain.errors import InvalidArgument

STRATEGIES = ("bigserial", "writer lock")
SCHEMA = "tail"
WAIT = "50ms"
"""How long a writer waits for the writer lock in this demo before it reports that it waits."""


@dataclass
class TailState:
    """What the race looks like now: rows, the reader's checkpoint, what it saw and missed."""

    strategy: str
    committed: list[tuple[int, str]]
    pending: dict[str, list[int]]
    checkpoint: int
    seen: list[int]
    commit_order: list[int] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)

    @property
    def missed(self) -> list[int]:
        """Committed positions at or below the checkpoint that the reader never saw."""
        return [p for p, _ in self.committed if p <= self.checkpoint and p not in self.seen]


class TailRace:
    """Writers and one tailing reader on a real PostgreSQL table, moved one step at a time."""

    def __init__(self, conninfo: str, strategy: str = "bigserial", writers: str = "ABC") -> None:
        import psycopg

        if strategy not in STRATEGIES:
            raise InvalidArgument(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        self._psycopg = psycopg
        self.strategy = strategy
        self.table = f"{SCHEMA}.{'serial' if strategy == 'bigserial' else 'locked'}_log"
        self.conns = {w: psycopg.connect(conninfo, autocommit=True) for w in writers}
        self.reader = psycopg.connect(conninfo, autocommit=True)
        self.reset()

    # -- steps ---------------------------------------------------------------------------------
    def reset(self) -> str:
        """Roll every writer back and start again with an empty log."""
        for conn in self.conns.values():
            conn.execute("ROLLBACK")
        key = "bigserial PRIMARY KEY" if self.strategy == "bigserial" else "BIGINT PRIMARY KEY"
        self.reader.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        self.reader.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.reader.execute(f"CREATE TABLE {self.table} (position {key}, writer TEXT NOT NULL)")
        self.pending: dict[str, list[int]] = {w: [] for w in self.conns}
        self.waiting: list[str] = []
        self.checkpoint = 0
        self.seen: list[int] = []
        self.commit_order: list[int] = []
        return f"an empty log ({self.strategy})"

    def insert(self, writer: str) -> str:
        """``writer`` inserts one row in its open transaction (beginning one if needed). Under
        the writer lock a writer that cannot get the lock waits: it inserts as soon as the
        holder commits (as PostgreSQL would let it), in the order the writers came."""
        conn = self._writer(writer)
        if writer in self.waiting:
            return f"{writer} is still waiting for the writer lock"
        if not self.pending[writer]:
            conn.execute("BEGIN")
        if self.strategy == "bigserial":
            sql = f"INSERT INTO {self.table} (writer) VALUES (%s) RETURNING position"
        else:
            conn.execute(f"SET LOCAL lock_timeout = '{WAIT}'")
            try:
                conn.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")
            except self._psycopg.errors.LockNotAvailable:
                conn.execute("ROLLBACK")
                if self.pending[writer]:  # pragma: no cover - a writer never waits for itself
                    raise
                self.waiting.append(writer)
                holder = next(w for w, rows in self.pending.items() if rows)
                return f"{writer} waits: {holder} holds the writer lock until it commits"
            sql = (
                f"INSERT INTO {self.table} (position, writer) "
                f"SELECT coalesce(max(position), 0) + 1, %s FROM {self.table} RETURNING position"
            )
        position = int(conn.execute(sql, [writer]).fetchone()[0])
        self.pending[writer].append(position)
        return f"{writer} inserts position {position} (not visible until {writer} commits)"

    def commit(self, writer: str) -> str:
        """``writer`` commits: its rows become visible to the reader."""
        conn = self._writer(writer)
        rows = self.pending[writer]
        if writer in self.waiting:
            return f"{writer} is still waiting for the writer lock: it has nothing to commit"
        if not rows:
            return f"{writer} has nothing to commit"
        conn.execute("COMMIT")
        self.commit_order.extend(rows)
        self.pending[writer] = []
        said = f"{writer} commits position{'s' if len(rows) > 1 else ''} " + ", ".join(
            map(str, rows)
        )
        if self.waiting:  # the lock is free: the first waiting writer goes on
            said += "; then " + self.insert(self.waiting.pop(0))
        return said

    def poll(self) -> str:
        """The reader reads every row after its checkpoint and moves the checkpoint."""
        rows = self.reader.execute(
            f"SELECT position FROM {self.table} WHERE position > %s ORDER BY position",
            [self.checkpoint],
        ).fetchall()
        got = [int(p) for (p,) in rows]
        self.seen.extend(got)
        before = self.checkpoint
        self.checkpoint = max([self.checkpoint, *got])
        return f"reader: after {before} it reads {got or 'nothing'}; checkpoint {self.checkpoint}"

    def run(self, steps: list[str]) -> list[str]:
        """Run steps such as ``"A insert"``, ``"B commit"``, ``"poll"``; return what each did."""
        said = []
        for step in steps:
            words = step.split()
            if words == ["poll"]:
                said.append(self.poll())
            elif len(words) == 2 and words[1] in ("insert", "commit"):
                said.append(getattr(self, words[1])(words[0]))
            else:
                raise InvalidArgument(f"a step is 'poll' or '<writer> insert|commit', not {step!r}")
        return said

    # -- what the race looks like ----------------------------------------------------------------
    def state(self) -> TailState:
        """Committed rows (as any new reader sees them), pending rows, and the reader's view."""
        committed = self.reader.execute(
            f"SELECT position, writer FROM {self.table} ORDER BY position"
        ).fetchall()
        return TailState(
            self.strategy,
            [(int(p), w) for p, w in committed],
            {w: list(rows) for w, rows in self.pending.items()},
            self.checkpoint,
            list(self.seen),
            list(self.commit_order),
            list(self.waiting),
        )

    def close(self) -> None:
        """Roll back and close every connection."""
        for conn in [*self.conns.values(), self.reader]:
            conn.close()

    def _writer(self, writer: str) -> Any:
        if writer not in self.conns:
            raise InvalidArgument(f"no writer {writer!r}; the writers are {list(self.conns)}")
        return self.conns[writer]


# The interleaving the notebook runs on both strategies: A and B start, C overtakes them.
SCRIPT = [
    "A insert",
    "B insert",
    "C insert",
    "C commit",
    "poll",
    "A commit",
    "B commit",
    "poll",
    "C commit",
    "poll",
]
