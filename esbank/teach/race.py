"""Racing tellers, one step at a time: optimistic concurrency made visible and repeatable.

A teller handles a command in three steps: ``load`` (``read_stream`` and replay), ``decide``
(the pure rules) and ``append`` (at the version it loaded). Two tellers on one account race
when their steps interleave. Here the interleaving is not left to threads and luck: a
*schedule* such as ``"ABABAB"`` says whose step comes next, and the steps run against a real
event store, so the conflicts you see are the store's own. No threads, no sleeps: the same
schedule always gives the same log. After a conflict a teller does what ``Bank.handle`` does:
reload and decide again, unless its attempts are used up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import pandas as pd

from esbank.app.bank import Bank
from esbank.app.retry import RetryPolicy
from esbank.domain.account import BankAccount, decide, evolve, replay
from esbank.domain.arguments import require_int
from esbank.domain.commands import COMMAND_TYPES, Command
from esbank.domain.errors import DomainError, EsbankError, InvalidArgument
from esbank.domain.events import Event
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import ConcurrencyConflict
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.types import RecordedEvent
from esbank.teach.describe import describe_command, describe_event, event_data
from esbank.teach.determinism import SequentialIds, memory_store

Action = Literal["load", "decide", "append", "idle"]
Status = Literal["accepted", "refused", "gave up", "unfinished"]

LOG_COLUMNS = ["step", "teller", "attempt", "action", "version", "stream_version", "outcome"]
EVENT_COLUMNS = ["version", "position", "event_type", "data", "teller", "balance"]
SEPARATORS = " ,;-·|/"
"""Characters a schedule string may use for readability; they are not steps."""
EVENT_ID_PREFIX = 0xE
"""Prefix of the ids a race store gives to events (the account id comes from a plain counter)."""


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RaceStep:
    """One step of one teller: what it did, the version it worked from and what happened.

    ``version`` is the version the teller loaded (for ``load`` and ``decide``) or expected (for
    ``append``); ``stream_version`` is the stream's version in the table after the step.
    """

    step: int
    teller: str
    attempt: int
    action: Action
    version: int | None
    stream_version: int
    outcome: str
    error: EsbankError | None = None


@dataclass(frozen=True, slots=True)
class TellerResult:
    """How one teller's command ended: accepted, refused by a rule, gave up, or unfinished."""

    name: str
    command: Command
    status: Status
    attempts: int
    text: str
    error: EsbankError | None = None
    new_version: int | None = None

    def summary(self) -> str:
        """One plain-text line: ✅ for accepted, ❌ for everything else, then what happened."""
        mark = "✅" if self.status == "accepted" else "❌"
        return f"{mark} {self.name}: {describe_command(self.command)}: {self.text}"


@dataclass(frozen=True, eq=False)
class RaceResult:
    """A finished race: every step, each teller's result, the account's events and state."""

    account_id: UUID
    schedule: str
    """The steps that ran, in order: the given schedule, then ``+`` and the finishing steps."""
    steps: tuple[RaceStep, ...]
    tellers: dict[str, TellerResult]
    records: tuple[RecordedEvent, ...]
    state: BankAccount

    @property
    def log(self) -> pd.DataFrame:
        """The steps as a table, one row per step (``version`` is empty for an idle step)."""
        return steps_frame(self.steps)

    @property
    def events(self) -> pd.DataFrame:
        """The account's events after the race, oldest first, with the teller that wrote each."""
        return events_frame(self.records)

    @property
    def conflicts(self) -> list[ConcurrencyConflict]:
        """Every ConcurrencyConflict a teller hit, in step order."""
        return [s.error for s in self.steps if isinstance(s.error, ConcurrencyConflict)]


# -- the engine (an imperative shell around read_stream, decide and append) -------------------
@dataclass(slots=True)
class _Teller:
    name: str
    command: Command
    next: Action = "load"
    attempt: int = 1
    state: BankAccount | None = None
    events: tuple[Event, ...] = ()
    result: TellerResult | None = None

    def finish(
        self,
        status: Status,
        text: str,
        error: EsbankError | None = None,
        new_version: int | None = None,
    ) -> None:
        """The command ends here, on the current attempt."""
        self.result = TellerResult(
            self.name, self.command, status, self.attempt, text, error, new_version
        )


def _check_tellers(tellers: object) -> UUID:
    """The one account every teller's command names; refuses anything else, saying why."""
    if not isinstance(tellers, Mapping) or not tellers:
        raise InvalidArgument(
            "tellers must be a non-empty dict of name -> command, "
            "e.g. {'A': WithdrawMoney(account, 7000), 'B': WithdrawMoney(account, 5000)}"
        )
    for name, command in tellers.items():
        if not isinstance(name, str) or len(name) != 1 or name in SEPARATORS:
            raise InvalidArgument(
                f"teller names are single letters such as 'A' and 'B', got {name!r}"
            )
        if not isinstance(command, COMMAND_TYPES):
            raise InvalidArgument(
                f"teller {name}'s command must be an esbank command such as "
                f"WithdrawMoney(account, 5000), got {type(command).__name__}"
            )
    accounts = {command.account_id for command in tellers.values()}
    if len(accounts) != 1:
        raise InvalidArgument(
            f"a race is on one account, but the commands name {len(accounts)} accounts; "
            "give every teller a command for the same account_id"
        )
    return accounts.pop()


class Race:
    """Tellers handling one command each on one account, advanced one step at a time.

    ``tellers`` maps a name (one character, so a schedule can be a string) to a command; every
    command must name the same account. After a ``ConcurrencyConflict`` a teller reloads and
    decides again, up to ``retries`` times (``Bank.handle``'s ``max_retries``); a rule's
    refusal is final.
    """

    def __init__(
        self, store: EventStore, tellers: Mapping[str, Command], *, retries: int = 0
    ) -> None:
        self.account_id: UUID = _check_tellers(tellers)
        self.retries = require_int("retries", retries)
        self.policy = RetryPolicy(retries)  # Bank.handle's policy, not a copy of it
        self.store = store
        self._tellers = {name: _Teller(name, command) for name, command in tellers.items()}
        self._steps: list[RaceStep] = []

    @property
    def names(self) -> list[str]:
        """The tellers' names, in the order they were given."""
        return list(self._tellers)

    def finished(self, name: str) -> bool:
        """True when teller ``name`` has finished (accepted, refused or gave up)."""
        return self._tellers[name].result is not None

    @property
    def done(self) -> bool:
        """True when every teller has finished (accepted, refused or gave up)."""
        return all(t.result is not None for t in self._tellers.values())

    def step(self, name: str) -> RaceStep:
        """Run the next step of teller ``name`` and return what it did."""
        teller = self._tellers.get(name)
        if teller is None:
            raise InvalidArgument(
                f"there is no teller {name!r}; the tellers are {', '.join(self._tellers)}"
            )
        action, attempt = teller.next, teller.attempt
        version: int | None = None
        error: EsbankError | None = None
        if teller.result is not None:
            action, attempt = "idle", teller.result.attempts
            outcome = f"{name} has finished ({teller.result.status}); nothing to do"
        elif action == "load":
            version, outcome = self._load(teller)
        elif action == "decide":
            version, outcome, error = self._decide(teller)
        else:
            version, outcome, error = self._append(teller)
        record = RaceStep(
            len(self._steps) + 1,
            name,
            attempt,
            action,
            version,
            self.store.stream_version(self.account_id),
            outcome,
            error,
        )
        self._steps.append(record)
        return record

    def _load(self, teller: _Teller) -> tuple[int, str]:
        recorded = self.store.read_stream(self.account_id)
        state = teller.state = replay((r.event for r in recorded), account_id=self.account_id)
        teller.next = "decide"
        return state.version, (
            f"read {len(recorded)} event(s): balance {state.balance} cents at version "
            f"{state.version}"
        )

    def _decide(self, teller: _Teller) -> tuple[int, str, DomainError | None]:
        assert teller.state is not None
        version = teller.state.version
        try:
            teller.events = decide(teller.command, teller.state)
        except DomainError as error:
            rule = type(error).__name__
            teller.finish(
                "refused", f"refused on attempt {teller.attempt} by {rule}: {error}", error
            )
            return version, f"refused by {rule}, nothing to append: {error}", error
        teller.next = "append"
        return version, "decided " + ", ".join(describe_event(e) for e in teller.events), None

    def _append(self, teller: _Teller) -> tuple[int, str, ConcurrencyConflict | None]:
        assert teller.state is not None
        expected = teller.state.version
        try:
            appended = self.store.append(
                self.account_id,
                teller.events,
                expected_version=expected,
                metadata={"teller": teller.name, "attempt": teller.attempt},
            )
        except ConcurrencyConflict as conflict:
            return expected, self._after_conflict(teller, conflict), conflict
        where = f"version {appended.new_version} (position {appended.last_position})"
        teller.finish(
            "accepted",
            f"accepted on attempt {teller.attempt}: {where}",
            new_version=appended.new_version,
        )
        return expected, f"accepted: the stream is now at {where}", None

    def _after_conflict(self, teller: _Teller, conflict: ConcurrencyConflict) -> str:
        """``Bank.handle``'s rule: give up once the attempts exceed ``retries``, else reload."""
        what = (
            f"ConcurrencyConflict: expected version {conflict.expected}, but the stream "
            f"is at {conflict.actual}; "
        )
        if not self.policy.again(teller.attempt):  # this conflict ends attempt n: n conflicts
            teller.finish(
                "gave up", f"gave up after {teller.attempt} attempt(s): {conflict}", conflict
            )
            return what + "no retry left, the command fails"
        retry = teller.attempt  # the retry this conflict starts: 1, 2, ...
        teller.attempt, teller.next, teller.state = retry + 1, "load", None
        return what + f"reload and decide again (retry {retry} of {self.retries})"

    def result(self, schedule: str = "") -> RaceResult:
        """The race so far: steps, each teller's result (``unfinished`` if still running)."""
        results = {}
        for name, t in self._tellers.items():
            results[name] = t.result or TellerResult(
                name,
                t.command,
                "unfinished",
                t.attempt,
                f"unfinished: its next step would be {t.next} (attempt {t.attempt})",
            )
        records = tuple(self.store.read_stream(self.account_id))
        return RaceResult(
            account_id=self.account_id,
            schedule=schedule,
            steps=tuple(self._steps),
            tellers=results,
            records=records,
            state=replay((r.event for r in records), account_id=self.account_id),
        )


def parse_schedule(schedule: str | Sequence[str], names: Sequence[str]) -> list[str]:
    """The schedule as a list of teller names; spaces, commas and dashes in a string are ignored.

    Lower-case letters match upper-case teller names. An unknown name is refused.
    """
    if isinstance(schedule, str):
        steps = [c for c in schedule if c not in SEPARATORS]
    elif isinstance(schedule, Sequence):
        steps = list(schedule)
    else:
        raise InvalidArgument(
            f"schedule must be a string like 'ABABAB' or a list of teller names, "
            f"got {type(schedule).__name__}"
        )
    parsed = []
    for i, name in enumerate(steps, start=1):
        if isinstance(name, str) and name not in names and name.upper() in names:
            name = name.upper()
        if name not in names:
            raise InvalidArgument(
                f"schedule step {i} is {name!r}, but the tellers are {', '.join(names)}; "
                f"write the schedule with their names only, e.g. {'AB' * 3!r}"
            )
        parsed.append(name)
    return parsed


def run_race(
    store: EventStore,
    tellers: Mapping[str, Command],
    schedule: str | Sequence[str],
    *,
    retries: int = 0,
    finish: bool = True,
) -> RaceResult:
    """Run the tellers' steps in the order ``schedule`` gives, on ``store``.

    Each entry of ``schedule`` is one step (load, decide or append) of the teller it names; a
    step given to a teller that has finished is logged as ``idle``. With ``finish``, tellers
    still running when the schedule ends then run to the end one at a time, in name order
    (``RaceResult.schedule`` shows those steps after a ``+``).
    """
    race = Race(store, tellers, retries=retries)
    steps = parse_schedule(schedule, race.names)
    for name in steps:
        race.step(name)
    ran = "".join(steps)
    if finish:
        extra = []
        for name in sorted(race.names):
            while not race.finished(name):
                race.step(name)
                extra.append(name)
        if extra:
            ran += "+" + "".join(extra)
    return race.result(ran)


def new_race_account(
    owner: str = "Ada", opening_balance: int = 10_000
) -> tuple[DuckDBEventStore, UUID]:
    """A fresh deterministic in-memory store holding one open account; returns store and id.

    Times come from a ``StepClock``, the account id is ``00000000-…-0001`` and event ids have
    the prefix ``0xE``, so every run prints the same log.
    """
    store = memory_store(EVENT_ID_PREFIX)
    try:
        opened = Bank(store, new_id=SequentialIds()).open_account(owner, opening_balance)
    except Exception:
        store.close()
        raise
    return store, opened.aggregate_id


# -- tables ----------------------------------------------------------------------------------
def steps_frame(steps: Sequence[RaceStep]) -> pd.DataFrame:
    """Race steps as a DataFrame with the columns of ``LOG_COLUMNS``."""
    rows = [
        (s.step, s.teller, s.attempt, s.action, s.version, s.stream_version, s.outcome)
        for s in steps
    ]
    frame = pd.DataFrame(rows, columns=LOG_COLUMNS)
    return frame.astype(
        {"step": "int64", "attempt": "int64", "version": "Int64", "stream_version": "int64"}
    )


def events_frame(records: Sequence[RecordedEvent]) -> pd.DataFrame:
    """An account's events, oldest first: version, position, type, data, teller, balance after.

    ``teller`` is the name in the event's metadata, ``-`` for events written outside a race.
    """
    rows = []
    state: BankAccount | None = None
    for r in records:
        state = evolve(state or BankAccount.new(r.aggregate_id), r.event)
        rows.append(
            (
                r.version,
                r.position,
                r.event_type,
                event_data(r.event),
                str(r.metadata.get("teller", "-")),
                state.balance,
            )
        )
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return frame.astype({"version": "int64", "position": "int64", "balance": "int64"})
