"""Kill -9 in the middle of writing: every acknowledged append survives, none is half there.

On both backends: a DuckDB file, and a PostgreSQL database (where the killed process is the
client, and the server must roll back whatever it had not committed).

A child process appends to a store in a loop (``Bank.handle``, three-event
``append`` calls and ``Bank.handle_batch`` batches of up to 30 commands, now and then a
``CHECKPOINT``) and prints a line before each append ("begin") and after it returns ("ack",
with the positions it got). The parent kills it with SIGKILL at a random, seeded moment,
reopens the file and checks it, and does this again and again on the same file.

Every event id says which run and which append wrote it, how many events that append had and
which one it is, so a half-written append would show as a group with a member missing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from backends import Backend

import esbank
from esbank import DuckDBEventStore, PostgresEventStore, replay

REPO = Path(__file__).resolve().parents[2]
# the child imports the very esbank this test imported
CHILD_PATH = os.pathsep.join(
    p for p in (str(Path(esbank.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")) if p
)
RUNS = 24
SEED = 20260105
MAGIC = 0xC0DE
SHARED = [UUID(int=(0x5A << 112) | i) for i in range(3)]
SHARED_OPENING = 1_000

CHILD = r"""
import random
import sys
from uuid import UUID

from esbank import (
    AccountOpened,
    Bank,
    DepositMoney,
    DuckDBEventStore,
    PostgresEventStore,
    InsufficientFunds,
    MoneyDeposited,
    MoneyWithdrawn,
    OpenAccount,
    WithdrawMoney,
)

path, run, seed, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
MAGIC = 0xC0DE


def say(*words):
    print(*words, flush=True)


SHARED = [UUID(int=(0x5A << 112) | i) for i in range(3)]


def event_id(seq, count, k, attempt=0):
    return UUID(
        int=(MAGIC << 112) | (run << 80) | (seq << 32) | (attempt << 16) | (count << 8) | k
    )


class Ids:
    # Bank's id factory: ids for the append that is about to be made; a retry (after a
    # conflict, when the bank's cached state was stale) asks for a fresh set
    seq = count = k = attempt = 0

    def __call__(self):
        if self.k == self.count:
            self.k, self.attempt = 0, self.attempt + 1
        value = event_id(self.seq, self.count, self.k, self.attempt)
        self.k += 1
        return value


ids = Ids()
rng = random.Random(seed)
say("imported")  # the parent says when: the previous child may still hold the file
if sys.stdin.readline() != "go\n":
    sys.exit(0)
store = DuckDBEventStore(path) if kind == "duckdb" else PostgresEventStore(path)
bank = Bank(store, new_id=ids)
say("ready")
seq = 0


def begin(count):
    global seq
    seq += 1
    ids.seq, ids.count, ids.k, ids.attempt = seq, count, 0, 0
    say("begin", seq, count)
    return seq


for i, account in enumerate(SHARED):
    if store.stream_version(account) == 0:
        s = begin(1)
        say("ack", s, bank.handle(OpenAccount(account, f"Shared {i}", 1000)).position)

for _ in range(5_000):
    roll = rng.random()
    if roll < 0.35:
        account = rng.choice(SHARED)
        amount = rng.randint(1, 1_500)
        kind = DepositMoney if rng.random() < 0.5 else WithdrawMoney
        command = kind(account, amount)
        s = begin(1)
        try:
            result = bank.handle(command)
        except InsufficientFunds:
            say("refused", s)
        else:
            say("ack", s, result.position)
    elif roll < 0.55:
        s = begin(3)
        stream = UUID(int=(0x57 << 112) | (run << 64) | s)
        events = [AccountOpened(f"P{run}.{s}", 10), MoneyDeposited(5), MoneyWithdrawn(15)]
        result = store.append(
            stream, events, expected_version=0, event_ids=[event_id(s, 3, k) for k in range(3)]
        )
        say("ack", s, *result.positions)
    elif roll < 0.7:
        # around the bank: its cached state of this account goes stale
        account = rng.choice(SHARED)
        s = begin(3)
        result = store.append(
            account,
            [MoneyDeposited(7), MoneyDeposited(8), MoneyWithdrawn(15)],
            expected_version=store.stream_version(account),
            event_ids=[event_id(s, 3, k) for k in range(3)],
        )
        say("ack", s, *result.positions)
    elif roll < 0.97:
        n = rng.randint(2, 30)
        s = begin(n)
        own = UUID(int=(0x5B << 112) | (run << 64) | s)
        commands = [OpenAccount(own, f"B{run}.{s}", 0)]
        balance = 0
        while len(commands) < n:
            pick = rng.random()
            if pick < 0.3:
                commands.append(DepositMoney(rng.choice(SHARED), rng.randint(1, 50)))
            elif pick < 0.7 or balance == 0:
                amount = rng.randint(1, 100)
                balance += amount
                commands.append(DepositMoney(own, amount))
            else:
                amount = rng.randint(1, balance)
                balance -= amount
                commands.append(WithdrawMoney(own, amount))
        outcomes = bank.handle_batch(commands)
        if any(o.status != "accepted" for o in outcomes):
            say("unexpected", s, outcomes)
            sys.exit(3)
        say("ack", s, *[o.position for o in outcomes])
    else:
        say("checkpoint")
        if kind == "duckdb":
            store.connection.execute("CHECKPOINT")
say("done")
sys.stdin.read()
"""


@dataclass
class Transcript:
    """What one child said before it died."""

    begun: dict[int, int] = field(default_factory=dict)  # seq -> events in that append
    acked: dict[int, list[int]] = field(default_factory=dict)  # seq -> positions
    refused: set[int] = field(default_factory=set)
    last_begun: int | None = None
    checkpoints: int = 0

    def read(self, line: str) -> None:
        word, *rest = line.split()
        if word == "begin":
            seq, count = int(rest[0]), int(rest[1])
            self.begun[seq] = count
            self.last_begun = seq
        elif word == "ack":
            self.acked[int(rest[0])] = [int(p) for p in rest[1:]]
        elif word == "refused":
            self.refused.add(int(rest[0]))
        elif word == "checkpoint":
            self.checkpoints += 1
        elif word not in (
            "imported",
            "ready",
            "done",
        ):  # pragma: no cover - the child reports a bug
            raise AssertionError(f"the child said {line!r}")


def decode(event_id: UUID) -> tuple[int, int, int, int, int]:
    """(run, seq, count, k, attempt) of an id written by the child."""
    value = event_id.int
    assert value >> 112 == MAGIC, f"event id {event_id} was not written by the child"
    run = (value >> 80) & 0xFFFF_FFFF
    seq = (value >> 32) & 0xFFFF_FFFF_FFFF
    return run, seq, (value >> 8) & 0xFF, value & 0xFF, (value >> 16) & 0xFF


def open_store(path: str, kind: str) -> Any:
    return DuckDBEventStore(path) if kind == "duckdb" else PostgresEventStore(path)


def spawn(
    script: Path, path: str, run: int, seed: int, err: Path, kind: str
) -> subprocess.Popen[str]:
    """Start a child; it imports esbank, then waits for "go" before it opens the store."""
    with err.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, str(script), path, str(run), str(seed), kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": CHILD_PATH},
        )


def stop(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        child.kill()
        child.wait()
    for stream in (child.stdout, child.stdin):
        if stream is not None:
            stream.close()


def run_child(
    child: subprocess.Popen[str], run: int, rng: random.Random, err: Path
) -> tuple[Transcript, str]:
    """Let the child open the file and write, SIGKILL it at a random moment, wait for it to
    be gone; return what it said."""
    assert child.stdout is not None and child.stdin is not None
    lines: list[str] = []
    watchdog = threading.Timer(60, child.kill)
    watchdog.start()
    try:
        assert child.stdout.readline() == "imported\n", err.read_text()
        child.stdin.write("go\n")
        child.stdin.flush()
        if rng.random() < 0.12:
            # anywhere at all: while it opens the file (replaying the log) or writes
            time.sleep(rng.uniform(0.0, 0.3))
            how = "blind"
        else:
            wanted = rng.randint(0, 50)
            acks = 0
            while acks < wanted:
                line = child.stdout.readline()
                if not line:
                    break
                lines.append(line)
                acks += line.startswith("ack")
            time.sleep(rng.uniform(0.0, 0.004))
            how = f"after {acks} acks"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        rest = child.stdout.read()
    finally:
        watchdog.cancel()
        stop(child)
    assert child.returncode == -signal.SIGKILL, (
        f"run {run}: the child ended by itself ({child.returncode}): {err.read_text()}"
    )
    lines += rest.splitlines(keepends=True)
    transcript = Transcript()
    for line in lines:
        if line.endswith("\n"):  # a line cut off by the kill was never said
            transcript.read(line)
    return transcript, how


def check_store(
    path: str, kind: str, run: int, said: Transcript, earlier: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Reopen the store and check everything; return the table for the next round."""
    # The child is dead and waited for: the lock is free, so this must not raise StoreLocked.
    with open_store(path, kind) as store:
        table = store.connection.execute("SELECT * FROM events ORDER BY position").fetchall()
        # nothing that an earlier round found is lost or changed
        assert table[: len(earlier)] == earlier
        recorded = store.read_all()  # raises CorruptEvent on a gap in positions
        assert [r.position for r in recorded] == list(range(1, len(recorded) + 1))
        streams = sorted({r.aggregate_id for r in recorded})
        # all streams in one query; raises CorruptEvent on a gap in versions
        for stream, events in store.read_streams(streams).items():
            assert [r.version for r in events] == list(range(1, len(events) + 1))
            state = replay((r.event for r in events), account_id=stream)  # the rules hold
            assert state.balance >= 0
            assert state.version == len(events)
    if said.acked:  # the child opens the shared accounts first
        assert set(SHARED) <= set(streams)

    groups: dict[tuple[int, int], list[tuple[int, int, Any, Any, int]]] = defaultdict(list)
    for row in table:
        position, _, _, event_id, *_, recorded_at = row
        r, seq, count, k, attempt = decode(event_id)
        groups[(r, seq)].append((k, count, position, recorded_at, attempt))
    for (r, seq), members in groups.items():
        members.sort()
        counts = {m[1] for m in members}
        assert len(counts) == 1, f"append {r}.{seq} mixes counts {counts}"
        assert len({m[4] for m in members}) == 1, f"append {r}.{seq} mixes two attempts"
        (count,) = counts
        # all or nothing: every event of an append is there, and they are contiguous
        assert [m[0] for m in members] == list(range(count)), f"append {r}.{seq} is partial"
        first = members[0][2]
        assert [m[2] for m in members] == list(range(first, first + count))
        assert len({m[3] for m in members}) == 1  # written in one statement

    stored = {seq for (r, seq) in groups if r == run}
    for seq, positions in said.acked.items():
        assert seq in stored, f"run {run}: acknowledged append {seq} is lost"
        assert sorted(m[2] for m in groups[(run, seq)]) == positions
        assert len(positions) == said.begun[seq]
    in_flight = {said.last_begun} - set(said.acked) - said.refused - {None}
    assert stored - set(said.acked) <= in_flight, "an append that never began is stored"
    assert not stored & said.refused
    return table


def test_sigkill_never_loses_or_tears_an_acknowledged_append(
    backend: Backend, tmp_path: Path
) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    kind = backend.name
    path = backend.target() if backend.is_postgres else str(tmp_path / "crash.duckdb")
    rng = random.Random(SEED)
    table: list[tuple[Any, ...]] = []
    acked = lost_in_flight = landed_in_flight = checkpoints = 0
    started = time.monotonic()
    errors = [tmp_path / f"child-{run}.err" for run in range(RUNS + 2)]
    child = spawn(script, path, 1, rng.randrange(2**32), errors[1], kind)
    try:
        for run in range(1, RUNS + 1):
            said, how = run_child(child, run, rng, errors[run])
            if run < RUNS:  # the next child imports while this run is checked
                child = spawn(script, path, run + 1, rng.randrange(2**32), errors[run + 1], kind)
            try:
                table = check_store(path, kind, run, said, table)
            except AssertionError as failure:
                raise AssertionError(f"run {run}, killed {how}: {failure}") from failure
            acked += len(said.acked)
            checkpoints += said.checkpoints
            in_flight = said.last_begun
            if in_flight is not None and in_flight not in set(said.acked) | said.refused:
                # killed while that append was under way: it committed entirely or not at all
                landed = any(decode(row[3])[:2] == (run, in_flight) for row in table)
                landed_in_flight += landed
                lost_in_flight += not landed
    finally:
        stop(child)
    elapsed = time.monotonic() - started
    # the runs really wrote, and really were cut off in the middle of appends
    assert acked > RUNS * 5
    assert lost_in_flight + landed_in_flight >= RUNS // 3
    multi = [row for row in table if decode(row[3])[2] > 1]
    assert len(multi) > 100
    assert any(decode(row[3])[2] > 16 for row in table)  # batches on the DataFrame path
    size = f"file {os.path.getsize(path)} bytes" if kind == "duckdb" else "PostgreSQL"
    print(
        f"\n{RUNS} kills in {elapsed:.1f}s: {acked} acknowledged appends, {len(table)} events, "
        f"{landed_in_flight + lost_in_flight} kills during an append "
        f"({landed_in_flight} had committed), {checkpoints} checkpoints; {size}"
    )


SEED_CHILD = r"""
import sys

from esbank import Bank, DuckDBEventStore, OpenAccount, PostgresEventStore, seed_history
from esbank.app import seeding

path, kind = sys.argv[1], sys.argv[2]
real_chunk = seeding._chunk


def chunk_and_say(*args, **kwargs):
    frame = real_chunk(*args, **kwargs)
    print("chunk", len(frame), flush=True)
    return frame


seeding._chunk = chunk_and_say
store = DuckDBEventStore(path) if kind == "duckdb" else PostgresEventStore(path)
if store.head_position() == 0:
    Bank(store).handle(OpenAccount(__import__("uuid").UUID(int=7), "Before", 5))
print("ready", store.head_position(), flush=True)
seed_history(store, accounts=600, events_per_account=50, chunk_accounts=20, seed=11, progress=False)
print("seeded", store.head_position(), flush=True)
"""


def test_sigkill_during_seeding_leaves_a_readable_gap_free_log(
    backend: Backend, tmp_path: Path
) -> None:
    """Killed after some chunks went in: the seed is all or nothing, and can start over."""
    script = tmp_path / "seed_child.py"
    script.write_text(SEED_CHILD, encoding="utf-8")
    kind = backend.name
    path = backend.target() if backend.is_postgres else str(tmp_path / "seed.duckdb")
    for kill_after in (1, 5, 12):
        child = subprocess.Popen(
            [sys.executable, str(script), path, kind],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": CHILD_PATH},
        )
        try:
            assert child.stdout is not None
            chunks = 0
            for line in child.stdout:
                chunks += line.startswith("chunk")
                if chunks == kill_after:
                    child.send_signal(signal.SIGKILL)
                    break
            child.wait(timeout=60)
        finally:
            stop(child)
        assert child.returncode == -signal.SIGKILL
        with open_store(path, kind) as store:
            recorded = store.read_all()  # raises CorruptEvent on a gap
            assert [r.position for r in recorded] == [1]  # the seed left nothing behind
            assert store.query("SELECT count(*) AS n FROM events")["n"][0] == 1
    # ...and the caller starts over: the whole seed goes in, right after the earlier event.
    with open_store(path, kind) as store:
        from esbank import seed_history

        result = seed_history(store, accounts=600, events_per_account=50, seed=11, progress=False)
        assert (result.first_position, result.last_position) == (2, 30_001)
        assert len(store.read_all(after_position=29_990)) == 11
