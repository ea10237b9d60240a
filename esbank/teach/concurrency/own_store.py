"""What notebook 02's second exercise checks: a learner's ``MyEventStore``, case by case.

Plain cases first (versions, return values, reading back, refusing a wrong expected version),
then two scripted races (a rival commits just before the learner's INSERT), a failure that is
not a conflict (a full disk, simulated), and real threads racing at the same expected version.
Each case returns a :data:`~esbank.teach.grading.Mistake` (what is wrong, and a hint) or None.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any
from uuid import UUID

import duckdb

from esbank.teach.concurrency.store_check import (
    CLASHES,
    Database,
    Event,
    Hooks,
    Outcome,
    Stuck,
    attempt,
    described,
    in_thread,
    race_round,
)
from esbank.teach.grading import Mistake

RACE_ROUNDS = 100
"""How many rounds two threads race in the check."""
OPENED: Event = {"type": "AccountOpened", "owner": "Ada", "initial_balance": 10_000}
DEPOSIT: Event = {"type": "MoneyDeposited", "amount": 2_500}
WITHDRAWAL: Event = {"type": "MoneyWithdrawn", "amount": 4_000}
RIVAL: Event = {"type": "MoneyWithdrawn", "amount": 7_000, "teller": "rival"}
MINE: list[Event] = [{"type": "MoneyWithdrawn", "amount": 5_000, "teller": "you"}]
MINE_TWO: list[Event] = [
    {"type": "MoneyDeposited", "amount": 300, "teller": "you"},
    {"type": "MoneyWithdrawn", "amount": 5_000, "teller": "you"},
]
FULL_DISK = "IO Error: could not write to the database file: No space left on device"
ALL_OR_NOTHING = (
    "In autocommit every statement commits on its own, so make the append one statement that "
    "checks and inserts (or run it in a transaction and ROLLBACK when the count is short)."
)


def stream(n: int) -> UUID:
    """The check's n-th stream id."""
    return UUID(int=0xE5_0000 + n)


def _short(value: Any, limit: int = 240) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _whole(value: object) -> bool:
    """An integer (a NumPy one too), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _listed(value: object) -> object:
    """A tuple of events read back counts as the list it holds."""
    return list(value) if isinstance(value, tuple) else value


def _append(store: Any, aggregate_id: UUID, expected: int, events: list[Event]) -> Outcome:
    return attempt(lambda: store.append(aggregate_id, expected, [dict(e) for e in events]))


def _call(aggregate_id: UUID, expected: int, events: list[Event]) -> str:
    types = ", ".join(str(e["type"]) for e in events)
    return f"append({aggregate_id}, {expected}, [{types}])"


# -- plain cases ----------------------------------------------------------------------------
def _plain_append(
    db: Database, store: Any, aggregate_id: UUID, expected: int, events: list[Event]
) -> Mistake | None:
    """One append that must be accepted, return the new version and write gap-free rows."""
    outcome = _append(store, aggregate_id, expected, events)
    call = _call(aggregate_id, expected, events)
    new = expected + len(events)
    if outcome.error is not None:
        return f"{call} {described(outcome)}.", (
            f"the stream is at version {expected}, so the {len(events)} event(s) go in as "
            f"versions {expected + 1}…{new} and append returns {new}."
        )
    versions = db.versions(aggregate_id)
    if versions != list(range(1, new + 1)):
        return f"after {call} the table holds versions {versions} for the stream.", (
            f"a stream's versions are 1, 2, 3, … with no gap and no repeat: the events of one "
            f"append get expected_version + 1, + 2, … (here {list(range(1, new + 1))})."
        )
    if not _whole(outcome.value) or outcome.value != new:
        return f"{call} returned {_short(outcome.value)}.", (
            f"return the stream's new version, expected_version + len(events) (here {new}), "
            "not the row count nor expected_version + 1."
        )
    return None


def _plain(db: Database, store: Any) -> Mistake | None:
    """Appends to two streams, then reading them back (and a stream with no events)."""
    a, b = stream(1), stream(2)
    steps = [(a, 0, [OPENED]), (a, 1, [DEPOSIT, WITHDRAWAL]), (b, 0, [dict(OPENED, owner="Bo")])]
    for aggregate_id, expected, events in steps:
        mistake = _plain_append(db, store, aggregate_id, expected, events)
        if mistake is not None:
            return mistake
    wanted = {a: [OPENED, DEPOSIT, WITHDRAWAL], b: [dict(OPENED, owner="Bo")], stream(3): []}
    for aggregate_id, events in wanted.items():
        read = attempt(lambda aggregate_id=aggregate_id: store.read(aggregate_id))
        if read.error is not None or _listed(read.value) != events:
            return f"read({aggregate_id}) {described(read)}.", (
                f"read returns the stream's events as they were appended, oldest first "
                f"(ORDER BY version), here {_short(events)}; a stream with no events gives []."
            )
    return None


def _accepted(call: str, outcome: Outcome, versions: list[int], expected: int) -> Mistake:
    """A wrong expected version was not refused: say what the table holds now."""
    said = f"{call} {described(outcome)}: the table now holds versions {versions}"
    if versions == [1, 2, 3]:
        return f"{said}, nothing of yours.", (
            "the INSERT inserted 0 rows and append did not notice: when the row count is "
            "short of len(events), raise ConcurrencyConflict instead of returning."
        )
    if expected > 3:
        return f"{said}: a gap.", (
            "ON CONFLICT only refuses a version somebody already holds; the append must also "
            "see that expected_version is the stream's current version (notebook 09, section "
            "3, shows the same hole in the note's code)."
        )
    return f"{said}.", (
        "an append whose expected version is out of date must be refused: put PRIMARY KEY "
        "(aggregate_id, version) on the table and check the row count."
    )


def _refusals(db: Database, store: Any) -> Mistake | None:
    """A stream at version 3 refuses expected versions 2, 0, 4 and 9 and stays as it is."""
    d = stream(4)
    for expected, events in ((0, [OPENED]), (1, [DEPOSIT]), (2, [WITHDRAWAL])):
        _append(store, d, expected, events)
    for expected in (2, 0, 4, 9):
        outcome = _append(store, d, expected, [DEPOSIT])
        error = outcome.error
        call = f"{_call(d, expected, [DEPOSIT])} on a stream at version 3"
        if error is None:
            return _accepted(call, outcome, db.versions(d), expected)
        if not outcome.conflict:
            return f"{call} {described(outcome)}.", (
                "refuse it with esbank's ConcurrencyConflict(aggregate_id, expected_version, "
                "actual), actual being the stream's current version."
            )
        if (error.aggregate_id, error.expected, error.actual) != (d, expected, 3):  # type: ignore[attr-defined]
            return f"{call} raised ConcurrencyConflict('{error}').", (
                "its arguments are (aggregate_id, expected_version, actual): the stream, the "
                "version the caller expected, and the version the stream is at (here 3)."
            )
    if db.versions(d) != [1, 2, 3]:
        return f"after four refused appends the table holds versions {db.versions(d)}.", (
            "a refused append writes nothing at all."
        )
    return None


# -- a rival commits just before the learner's INSERT ---------------------------------------
def _lost(outcome: Outcome, versions: list[int], mine: list[Event], rows: Any) -> Mistake:
    """The learner's append returned normally although the rival held the version."""
    said = f"A rival appended at version 1 first, and then your append {described(outcome)}"
    if len(set(versions)) < len(versions):
        return f"{said}, and the table holds versions {versions}: two events per version.", (
            "a SELECT of the current version and then an INSERT are two steps; another writer "
            "got in between. Only a key can refuse the second row: PRIMARY KEY (aggregate_id, "
            "version), then INSERT … ON CONFLICT (aggregate_id, version) DO NOTHING."
        )
    if len(mine) == 1:
        return f"{said}, but your event is not in the table: {_short(rows)}.", (
            "your INSERT … DO NOTHING inserted 0 rows, silently. The row count is the only "
            "sign: when fewer rows went in than events were given, raise ConcurrencyConflict."
        )
    return f"{said}: the stream now holds {_short(rows)}.", (
        "your 2 events were not all stored, yet append said they were. Compare the row count "
        "with len(events), not with 0, and store all or nothing. " + ALL_OR_NOTHING
    )


def _judge_scripted(
    outcome: Outcome, db: Database, e: UUID, mine: list[Event], rows: Any
) -> Mistake | None:
    """What the learner's append did when the rival's row came first."""
    versions = db.versions(e)
    if outcome.error is None:
        return _lost(outcome, versions, mine, rows)
    if isinstance(outcome.error, CLASHES):
        return f"A rival appended at version 1 first, and your append {described(outcome)}.", (
            "DuckDB does not always do nothing: when the other row is not yet visible to your "
            "statement it raises ConstraintException (or TransactionException at commit). "
            "Catch those two and raise ConcurrencyConflict; let every other error through."
        )
    if not outcome.conflict:
        return f"A rival appended at version 1 first, and your append {described(outcome)}.", (
            "the loser of a race raises ConcurrencyConflict(aggregate_id, expected_version, "
            "actual)."
        )
    if versions != [1, 2] or rows != [OPENED, RIVAL]:
        return f"You raised ConcurrencyConflict, but the stream now holds {_short(rows)}.", (
            "part of your append stayed in the table: a refused append writes nothing. "
            + ALL_OR_NOTHING
        )
    return None


def _scripted(db: Database, store: Any, hooks: Hooks, mine: list[Event], n: int) -> Mistake | None:
    """A rival (a second store on another cursor) appends at version 1 just before the
    learner's INSERT; the learner's append at version 1 must be refused, writing nothing."""
    e = stream(n)
    _append(store, e, 0, [OPENED])
    try:
        rival, _ = db.store()
    except NotImplementedError:
        raise
    except Exception as exc:
        return f"A second MyEventStore on the same database raised {type(exc).__name__}: {exc}", (
            "several stores share one database here (one per cursor): create the table with "
            "CREATE TABLE IF NOT EXISTS events (…)."
        )
    rival_did: list[Outcome] = []
    hooks.before_insert = lambda: rival_did.append(in_thread(lambda: rival.append(e, 1, [RIVAL])))
    inserts = hooks.inserts
    outcome = _append(store, e, 1, mine)
    hooks.before_insert = None
    if hooks.inserts == inserts:
        return "The check found no INSERT statement in your append.", (
            "it lets a rival in just before your INSERT: run INSERT … ON CONFLICT "
            "(aggregate_id, version) DO NOTHING with conn.execute on the connection you were given."
        )
    if rival_did and rival_did[0].error is not None:
        return f"The rival's append at version 1 (made first) {described(rival_did[0])}.", (
            "it came first, so it must be accepted; if it is stuck, your append holds a lock "
            "while it runs its INSERT: the key and the row count need no lock."
        )
    read = attempt(lambda: store.read(e))
    return _judge_scripted(
        outcome, db, e, mine, _listed(read.value) if read.error is None else read.error
    )


def _full_disk(db: Database) -> Mistake | None:
    """An INSERT failing for another reason must not become a ConcurrencyConflict."""
    store, hooks = db.store()
    f = stream(7)
    _append(store, f, 0, [OPENED])

    def fail() -> None:
        raise duckdb.IOException(FULL_DISK)

    hooks.before_insert = fail
    outcome = _append(store, f, 1, [DEPOSIT])
    what = f"The check made your INSERT fail as a full disk would; your append {described(outcome)}"
    if outcome.error is None:
        return f"{what}.", (
            "the error was swallowed and the event is lost. Catch only "
            "duckdb.ConstraintException and duckdb.TransactionException; let the rest through."
        )
    if outcome.conflict:
        return f"{what}.", (
            "a full disk is not a conflict: a caller would reload and retry it forever. Catch "
            "only duckdb.ConstraintException and duckdb.TransactionException, not every error."
        )
    return None


# -- two threads, one stream, many rounds ---------------------------------------------------
def _batches(r: int) -> list[list[Event]]:
    """Round ``r``'s two batches: one or two events each, every event unique."""
    sizes = (1 + r % 2, 1 + (r // 2) % 2)
    return [
        [{"type": "MoneyDeposited", "amount": 100 + r, "teller": t, "n": k} for k in range(size)]
        for t, size in zip("AB", sizes, strict=True)
    ]


def _judge_round(
    r: int, expected: int, batches: list[list[Event]], outcomes: list[Outcome]
) -> Mistake | None:
    """Exactly one append wins and returns the new version; the other gets ConcurrencyConflict."""
    said = (
        f"Round {r + 1} of the race: two threads appended at expected_version={expected} at "
        f"the same moment; A {described(outcomes[0])}, B {described(outcomes[1])}."
    )
    errors = [o.error for o in outcomes if o.error is not None]
    if any(isinstance(e, Stuck) for e in errors):
        return said, "an append never finished: does your store wait for a lock or loop?"
    if any("no transaction is active" in str(e) for e in errors):
        return said, (
            "after a failed COMMIT, DuckDB has already rolled the transaction back, so a "
            "ROLLBACK then fails: roll back only when the INSERT (not the COMMIT) failed."
        )
    if any(isinstance(e, CLASHES) for e in errors):
        return said, (
            "with two writers at once, DuckDB often reports the clash as ConstraintException or "
            "TransactionException instead of inserting 0 rows. Catch those two and raise "
            "ConcurrencyConflict."
        )
    if any(not isinstance(e, Exception) or not _is_conflict(e) for e in errors):
        return said, "the loser must get ConcurrencyConflict, nothing else."
    winners = [i for i, o in enumerate(outcomes) if o.error is None]
    if len(winners) != 1:
        return said, "exactly one of two appends at the same expected version may win."
    won = winners[0]
    if outcomes[won].value != expected + len(batches[won]):
        return said, "the winner returns the stream's new version, expected_version + len(events)."
    return None


def _is_conflict(error: BaseException) -> bool:
    return Outcome(error=error).conflict


def _race(db: Database) -> Mistake | None:
    """Two stores on two cursors race at the same expected version for RACE_ROUNDS rounds."""
    racers = [db.store(), db.store()]
    g = stream(8)
    version, stored = 0, []
    for r in range(RACE_ROUNDS):
        batches = _batches(r)
        outcomes = race_round(racers, g, version, batches)
        mistake = _judge_round(r, version, batches, outcomes)
        if mistake is not None:
            return mistake
        won = next(i for i, o in enumerate(outcomes) if o.error is None)
        version += len(batches[won])
        stored.extend(batches[won])
    if db.versions(g) != list(range(1, version + 1)):
        return f"After the race the table holds versions {db.versions(g)[:12]}….", (
            f"every accepted event has one version, 1 to {version}, with no gap and no repeat."
        )
    read = attempt(lambda: racers[0][0].read(g))
    if read.error is not None or _listed(read.value) != stored:
        return f"After the race, read() {described(read)[:200]}.", (
            "it must return exactly the winners' events, in order: none lost, none twice."
        )
    return None


def event_store_mistake(store_class: Callable[[Any], Any]) -> Mistake | None:
    """The first thing ``store_class`` gets wrong, or None when every case passes."""
    db = Database(store_class)
    try:
        try:
            store, hooks = db.store()
        except NotImplementedError:
            raise
        except Exception as exc:
            return f"MyEventStore(duckdb.connect()) raised {type(exc).__name__}: {exc}", (
                "__init__ keeps the connection and runs CREATE TABLE IF NOT EXISTS events "
                "(aggregate_id UUID, version BIGINT, event_type TEXT, payload JSON, "
                "PRIMARY KEY (aggregate_id, version))."
            )
        cases: list[Callable[[], Mistake | None]] = [
            lambda: _plain(db, store),
            lambda: _refusals(db, store),
            lambda: _scripted(db, store, hooks, MINE, 5),
            lambda: _scripted(db, store, hooks, MINE_TWO, 6),
            lambda: _full_disk(db),
            lambda: _race(db),
        ]
        for case in cases:
            mistake = case()
            if mistake is not None:
                return mistake
        if not db.has_key():
            return "Every race came out right, but the events table has no key.", (
                "the store relies on something other than the table (a lock in this process?); "
                "another process would get past it. Add PRIMARY KEY (aggregate_id, version)."
            )
        return None
    finally:
        db.close()
