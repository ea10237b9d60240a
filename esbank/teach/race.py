"""Racing tellers, one step at a time: optimistic concurrency made visible and repeatable.

A teller handles a command in three steps: ``load`` (read the account's stream and replay it),
``decide`` (the pure rules) and ``append`` (write the new events at the version it loaded).
Two tellers on one account race when their steps interleave. Here the interleaving is not left
to threads and luck: a *schedule* such as ``"ABABAB"`` says whose step comes next, and the
steps run against a real :class:`~esbank.DuckDBEventStore`, so the conflicts you see are the
store's own. No threads, no sleeps: the same schedule always gives the same log.

:func:`simulate_conflicts` is the same race at scale, as a small discrete-event model, for the
chart "conflict rate against writers per aggregate".
"""

from __future__ import annotations

import dataclasses
import html
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

import ipywidgets as widgets
import pandas as pd

from esbank.app.bank import Bank
from esbank.domain.account import BankAccount, decide, evolve, replay
from esbank.domain.commands import COMMAND_TYPES, Command, DepositMoney, WithdrawMoney
from esbank.domain.errors import DomainError, EsbankError, InvalidArgument
from esbank.domain.events import Event
from esbank.domain.money import format_cents
from esbank.eventstore.duckdb_store import DuckDBEventStore
from esbank.eventstore.errors import ConcurrencyConflict
from esbank.eventstore.protocol import EventStore
from esbank.eventstore.types import RecordedEvent
from esbank.teach.determinism import SequentialIds, StepClock

Action = Literal["load", "decide", "append", "idle"]
Status = Literal["accepted", "refused", "gave up", "unfinished"]

LOG_COLUMNS = ["step", "teller", "attempt", "action", "version", "stream_version", "outcome"]
EVENT_COLUMNS = ["version", "position", "event_type", "data", "teller", "balance"]
RATE_COLUMNS = ["writers", "accepted", "appends", "conflicts", "conflict_rate"]
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
        return f"{mark} {self.name}: {_describe_command(self.command)}: {self.text}"


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


# -- the engine (an imperative shell around decide/replay and the store) ----------------------
@dataclass(slots=True)
class _Teller:
    name: str
    command: Command
    next: Action = "load"
    attempt: int = 1
    state: BankAccount | None = None
    events: tuple[Event, ...] = ()
    result: TellerResult | None = None


class Race:
    """Tellers handling one command each on one account, advanced one step at a time.

    ``tellers`` maps a name (one character, so a schedule can be a string) to a command; every
    command must name the same account. After a ``ConcurrencyConflict`` a teller reloads and
    decides again, up to ``retries`` times; a rule's refusal is final.
    """

    def __init__(
        self, store: EventStore, tellers: Mapping[str, Command], *, retries: int = 0
    ) -> None:
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
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidArgument(f"retries must be an int >= 0, got {retries!r}")
        self.store = store
        self.account_id: UUID = accounts.pop()
        self.retries = retries
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
        if teller.result is not None:
            action: Action = "idle"
            attempt = teller.result.attempts
            version: int | None = None
            outcome = f"{name} has finished ({teller.result.status}); nothing to do"
            error: EsbankError | None = None
        else:
            action = teller.next
            attempt = teller.attempt
            version, outcome, error = getattr(self, f"_{action}")(teller)
        record = RaceStep(
            step=len(self._steps) + 1,
            teller=name,
            attempt=attempt,
            action=action,
            version=version,
            stream_version=self.store.stream_version(self.account_id),
            outcome=outcome,
            error=error,
        )
        self._steps.append(record)
        return record

    def _load(self, teller: _Teller) -> tuple[int, str, None]:
        recorded = self.store.read_stream(self.account_id)
        teller.state = replay((r.event for r in recorded), account_id=self.account_id)
        teller.next = "decide"
        state = teller.state
        return (
            state.version,
            f"read {len(recorded)} event(s): balance {state.balance} cents at version "
            f"{state.version}",
            None,
        )

    def _decide(self, teller: _Teller) -> tuple[int, str, DomainError | None]:
        assert teller.state is not None
        version = teller.state.version
        try:
            teller.events = decide(teller.command, teller.state)
        except DomainError as error:
            teller.result = TellerResult(
                teller.name,
                teller.command,
                "refused",
                teller.attempt,
                f"refused on attempt {teller.attempt} by {type(error).__name__}: {error}",
                error,
            )
            return version, f"refused by {type(error).__name__}, nothing to append: {error}", error
        teller.next = "append"
        return version, "decided " + ", ".join(_describe_event(e) for e in teller.events), None

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
            what = (
                f"ConcurrencyConflict: expected version {conflict.expected}, but the stream "
                f"is at {conflict.actual}; "
            )
            retry = teller.attempt  # the retry this conflict would start: 1, 2, ...
            if retry <= self.retries:
                teller.attempt += 1
                teller.next = "load"
                teller.state = None
                again = f"reload and decide again (retry {retry} of {self.retries})"
                return expected, what + again, conflict
            teller.result = TellerResult(
                teller.name,
                teller.command,
                "gave up",
                teller.attempt,
                f"gave up after {teller.attempt} attempt(s): {conflict}",
                conflict,
            )
            return expected, what + "no retry left, the command fails", conflict
        teller.result = TellerResult(
            teller.name,
            teller.command,
            "accepted",
            teller.attempt,
            f"accepted on attempt {teller.attempt}: version {appended.new_version} "
            f"(position {appended.last_position})",
            new_version=appended.new_version,
        )
        return (
            expected,
            f"accepted: the stream is now at version {appended.new_version} "
            f"(position {appended.last_position})",
            None,
        )

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
    store = DuckDBEventStore(
        ":memory:", clock=StepClock(), new_id=SequentialIds(prefix=EVENT_ID_PREFIX)
    )
    try:
        opened = Bank(store, new_id=SequentialIds()).open_account(owner, opening_balance)
    except Exception:
        store.close()
        raise
    return store, opened.aggregate_id


# -- tables ----------------------------------------------------------------------------------
def _event_data(event: Event) -> str:
    return ", ".join(f"{f.name}={getattr(event, f.name)!r}" for f in dataclasses.fields(event))


def _describe_event(event: Event) -> str:
    return f"{event.event_type}({_event_data(event)})"


def _describe_command(command: Command) -> str:
    amount = getattr(command, "amount", None)
    name = type(command).__name__
    return f"{name} {amount} cents" if amount is not None else name


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
                _event_data(r.event),
                str(r.metadata.get("teller", "-")),
                state.balance,
            )
        )
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return frame.astype({"version": "int64", "position": "int64", "balance": "int64"})


# -- the simulation --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConflictRun:
    """The outcome of one simulated run: how many appends were tried and how many conflicted.

    ``trace`` lists every step as ``(writer, action)`` with ``action`` ``"load"`` or
    ``"append"``, so the run can be replayed on a real store.
    """

    writers: int
    accepted: int
    appends: int
    conflicts: int
    trace: tuple[tuple[int, str], ...] = field(repr=False)

    @property
    def conflict_rate(self) -> float:
        """The fraction of appends refused with a conflict (0.0 when nothing was appended)."""
        return self.conflicts / self.appends if self.appends else 0.0


def _check_count(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(f"{name} must be an int >= {minimum}, got {value!r}")


def simulate_conflict_run(writers_per_aggregate: int, commands: int, seed: int) -> ConflictRun:
    """Simulate ``writers_per_aggregate`` writers on one aggregate until ``commands`` succeed.

    The model (a tiny discrete-event simulation, the same for every aggregate):

    - Every writer loops forever: *load* (note the stream's version), then *append* at that
      expected version. ``decide`` is pure and instant, so it is part of the append step, and
      every command is a deposit that no rule refuses.
    - Time moves in steps. At each step one writer, chosen uniformly at random by
      ``random.Random(seed)``, takes its next step: all writers are equally fast, and whose
      step comes next is luck.
    - An append conflicts exactly when another writer appended since this writer's load (the
      store's expected-version rule; a test replays a trace on a real ``DuckDBEventStore`` and
      counts the same conflicts). After a conflict the writer loads again, with no limit on
      retries and no back-off.

    What it ignores: real durations (a load and an append take one step each; on DuckDB an
    append costs five to ten loads), think time between commands (every writer always has work,
    so this is the saturated worst case; a quiet account rarely sees two commands inside one
    load-to-append window), back-off and retry limits, and other aggregates (writers on
    different streams never conflict, which is why only writers *per aggregate* count).
    """
    _check_count("writers_per_aggregate", writers_per_aggregate, 1)
    _check_count("commands", commands, 1)
    rng = random.Random(seed)
    version = 0
    seen: list[int | None] = [None] * writers_per_aggregate  # None: the next step is a load
    accepted = appends = conflicts = 0
    trace: list[tuple[int, str]] = []
    while accepted < commands:
        writer = rng.randrange(writers_per_aggregate)
        loaded = seen[writer]
        if loaded is None:
            seen[writer] = version
            trace.append((writer, "load"))
            continue
        appends += 1
        trace.append((writer, "append"))
        if loaded == version:
            version += 1
            accepted += 1
        else:
            conflicts += 1
        seen[writer] = None
    return ConflictRun(writers_per_aggregate, accepted, appends, conflicts, tuple(trace))


def simulate_conflicts(writers_per_aggregate: int, commands: int = 2_000, seed: int = 0) -> float:
    """The fraction of appends that hit a conflict with ``writers_per_aggregate`` writers.

    See :func:`simulate_conflict_run` for the model, and what it leaves out.
    """
    return simulate_conflict_run(writers_per_aggregate, commands, seed).conflict_rate


def conflict_rates(writers: Sequence[int], *, commands: int = 2_000, seed: int = 0) -> pd.DataFrame:
    """One simulated run per number of writers per aggregate, as a table (same seed for each)."""
    runs = [simulate_conflict_run(w, commands, seed) for w in writers]
    rows = [(r.writers, r.accepted, r.appends, r.conflicts, r.conflict_rate) for r in runs]
    return pd.DataFrame(rows, columns=RATE_COLUMNS).astype(
        {"writers": "int64", "accepted": "int64", "appends": "int64", "conflicts": "int64"}
    )


# -- the race panel (a thin widget shell) ----------------------------------------------------
PANEL_CLASS = "esbank-race"
STYLE = (
    "<style>"
    ".esbank-race table, .esbank-race-snapshot table "
    "{border-collapse: collapse; margin: 0.3em 0 0.8em 0; font-size: 0.9em;}"
    ".esbank-race th, .esbank-race td, .esbank-race-snapshot th, .esbank-race-snapshot td "
    "{border: 1px solid #ccc; padding: 0.15em 0.5em; text-align: left;}"
    ".esbank-race-conflict {background: #fdecea;} .esbank-race-accepted {background: #e8f5e9;}"
    ".esbank-rejected {color: #a40000;} .esbank-accepted {color: #1b5e20;}"
    "</style>"
)
PRESETS: tuple[tuple[str, str], ...] = (
    ("choose a schedule…", ""),
    ("AAABBB: A finishes before B loads (no race)", "AAABBB"),
    ("ABABAB: both load, A appends first", "ABABAB"),
    ("AABBBA: B runs while A is deciding", "AABBBA"),
    ("BABABA: both load, B appends first", "BABABA"),
)
TELLER_ACTIONS: tuple[str, ...] = ("withdraw", "deposit")


def teller_command(account_id: UUID, action: str, amount: int) -> Command:
    """The command a teller sends: ``"withdraw"`` or ``"deposit"`` of ``amount`` cents."""
    if action == "withdraw":
        return WithdrawMoney(account_id, amount)
    if action == "deposit":
        return DepositMoney(account_id, amount)
    raise InvalidArgument(f"action must be one of {', '.join(TELLER_ACTIONS)}, got {action!r}")


def race_scenario(
    *,
    opening_balance: int,
    a: tuple[str, int],
    b: tuple[str, int],
    schedule: str | Sequence[str],
    retries: int = 0,
) -> RaceResult:
    """Race teller A and teller B on a fresh account opened with ``opening_balance`` cents.

    ``a`` and ``b`` are ``(action, amount)``; the store is closed again when the race is over.
    """
    store, account = new_race_account("Ada", opening_balance)
    with store:
        tellers = {
            "A": teller_command(account, *a),
            "B": teller_command(account, *b),
        }
        return run_race(store, tellers, schedule, retries=retries)


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], css: str, row_css: Sequence[str] = ()
) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_css[i]}"' if i < len(row_css) and row_css[i] else ""
        cells = "".join(
            f"<td>{html.escape('' if pd.isna(cell) else str(cell))}</td>" for cell in row
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return (
        f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def steps_html(result: RaceResult | None) -> str:
    """The race's steps as an HTML table; conflicts and accepted appends are highlighted."""
    if result is None:
        return '<div class="esbank-race-steps"><b>Steps</b>: no race run yet</div>'
    row_css = [
        "esbank-race-conflict"
        if isinstance(s.error, ConcurrencyConflict)
        else "esbank-race-accepted"
        if s.action == "append"
        else ""
        for s in result.steps
    ]
    table = _table(
        LOG_COLUMNS, list(result.log.itertuples(index=False)), "esbank-race-steps-table", row_css
    )
    caption = (
        f"<b>Steps</b> of schedule {html.escape(result.schedule)} "
        "(after +: the steps that finished the race)"
        if "+" in result.schedule
        else f"<b>Steps</b> of schedule {html.escape(result.schedule)}"
    )
    return f'<div class="esbank-race-steps">{caption}{table}</div>'


def final_html(result: RaceResult | None) -> str:
    """Each teller's result, the account's events and its final state, as HTML."""
    if result is None:
        return '<div class="esbank-race-final"><b>Final state</b>: no race run yet</div>'
    lines = "".join(
        f'<div class="{"esbank-accepted" if t.status == "accepted" else "esbank-rejected"}">'
        f"{html.escape(t.summary())}</div>"
        for t in result.tellers.values()
    )
    events = _table(
        EVENT_COLUMNS, list(result.events.itertuples(index=False)), "esbank-race-events-table"
    )
    state = result.state
    return (
        f'<div class="esbank-race-final"><b>Tellers</b>{lines}'
        f"<b>Events of the account</b> (the table, oldest first){events}"
        f"<b>Final state</b>: balance {state.balance} cents ({format_cents(state.balance)}) "
        f"at version {state.version}</div>"
    )


def message_html(result: RaceResult | None, error: EsbankError | None = None) -> str:
    """One line on the last run: how many conflicts, or why nothing ran."""
    if error is not None:
        return (
            f'<div class="esbank-race-message esbank-rejected">❌ '
            f"<b>{html.escape(type(error).__name__)}</b>: {html.escape(str(error))}</div>"
        )
    if result is None:
        return (
            '<div class="esbank-race-message">Pick what each teller does and a schedule '
            "(whose step comes next, e.g. ABABAB), then click Run race.</div>"
        )
    n = len(result.conflicts)
    text = f"ran {len(result.steps)} steps: {n} concurrency conflict(s)"
    return f'<div class="esbank-race-message">{html.escape(text)}</div>'


@dataclass(frozen=True, eq=False, repr=False)
class RacePanel:
    """The widgets of one race panel; display ``.widget`` (or the panel itself)."""

    opening: widgets.IntText
    a_action: widgets.Dropdown
    a_amount: widgets.IntText
    b_action: widgets.Dropdown
    b_amount: widgets.IntText
    preset: widgets.Dropdown
    schedule: widgets.Text
    retries: widgets.BoundedIntText
    run_button: widgets.Button
    message: widgets.HTML
    steps: widgets.HTML
    final: widgets.HTML
    widget: widgets.VBox
    results: list[RaceResult] = field(default_factory=list)
    """Every race run from this panel, oldest first."""
    errors: list[EsbankError] = field(default_factory=list)

    @property
    def last(self) -> RaceResult | None:
        """The newest race, or None before the first run."""
        return self.results[-1] if self.results else None

    def run(self) -> RaceResult | None:
        """Race with the current input values, as clicking "Run race" does.

        A bad input (an amount of 0, an unknown teller in the schedule) is shown as ❌ with
        its message, and the tables are cleared; nothing is raised.
        """
        try:
            result = race_scenario(
                opening_balance=self.opening.value,
                a=(self.a_action.value, self.a_amount.value),
                b=(self.b_action.value, self.b_amount.value),
                schedule=self.schedule.value,
                retries=self.retries.value,
            )
        except EsbankError as error:
            self.errors.append(error)
            self.message.value = message_html(None, error)
            self.steps.value = steps_html(None)
            self.final.value = final_html(None)
            return None
        self.results.append(result)
        self.message.value = message_html(result)
        self.steps.value = steps_html(result)
        self.final.value = final_html(result)
        return result

    def snapshot_html(self) -> str:
        """The last run's inputs, steps and final state as one static HTML block."""
        inputs = (
            f'<div class="esbank-race-inputs"><b>Inputs</b>: opening balance '
            f"{self.opening.value} cents; A {html.escape(self.a_action.value)}s "
            f"{self.a_amount.value} cents; B {html.escape(self.b_action.value)}s "
            f"{self.b_amount.value} cents; schedule {html.escape(self.schedule.value)!s}; "
            f"retries {self.retries.value}</div>"
        )
        parts = (inputs, self.message.value, steps_html(self.last), final_html(self.last))
        return f'<div class="{PANEL_CLASS}-snapshot">{STYLE}{"".join(parts)}</div>'

    def __repr__(self) -> str:
        return f"RacePanel(runs={len(self.results)}, schedule={self.schedule.value!r})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Race panel (run the cell in Jupyter to use it)"
        return data


def _classed(widget: Any, css: str) -> Any:
    widget.add_class(f"{PANEL_CLASS}-{css}")
    return widget


def race_panel(
    *,
    opening_balance: int = 10_000,
    a: tuple[str, int] = ("withdraw", 7_000),
    b: tuple[str, int] = ("withdraw", 5_000),
    schedule: str = "ABABAB",
    retries: int = 0,
) -> RacePanel:
    """Build a race panel: two tellers, a schedule, a "Run race" button and the results.

    Every run races on a fresh deterministic account, so one schedule always gives one log.
    """
    wide = widgets.Layout(width="32em")
    narrow = widgets.Layout(width="16em")
    opening = _classed(
        widgets.IntText(value=opening_balance, description="Opening (¢)", layout=wide), "opening"
    )
    a_action = _classed(
        widgets.Dropdown(options=TELLER_ACTIONS, value=a[0], description="Teller A", layout=narrow),
        "a-action",
    )
    a_amount = _classed(
        widgets.IntText(value=a[1], description="amount (¢)", layout=narrow), "a-amount"
    )
    b_action = _classed(
        widgets.Dropdown(options=TELLER_ACTIONS, value=b[0], description="Teller B", layout=narrow),
        "b-action",
    )
    b_amount = _classed(
        widgets.IntText(value=b[1], description="amount (¢)", layout=narrow), "b-amount"
    )
    preset = _classed(
        widgets.Dropdown(options=PRESETS, value="", description="Presets", layout=wide), "preset"
    )
    schedule_box = _classed(
        widgets.Text(
            value=schedule,
            description="Schedule",
            placeholder="whose step comes next, e.g. ABABAB",
            layout=wide,
        ),
        "schedule",
    )
    retries_box = _classed(
        widgets.BoundedIntText(value=retries, min=0, max=5, description="Retries", layout=wide),
        "retries",
    )
    run_button = _classed(
        widgets.Button(
            description="Run race",
            tooltip="Run both tellers on a fresh account, one step at a time, in schedule order",
            button_style="primary",
        ),
        "run",
    )
    message = _classed(widgets.HTML(value=message_html(None)), "message")
    steps = _classed(widgets.HTML(value=steps_html(None)), "steps")
    final = _classed(widgets.HTML(value=final_html(None)), "final")
    root = widgets.VBox(
        [
            widgets.HTML(STYLE),
            opening,
            widgets.HBox([a_action, a_amount]),
            widgets.HBox([b_action, b_amount]),
            preset,
            schedule_box,
            retries_box,
            run_button,
            message,
            steps,
            final,
        ]
    )
    root.add_class(PANEL_CLASS)
    panel = RacePanel(
        opening=opening,
        a_action=a_action,
        a_amount=a_amount,
        b_action=b_action,
        b_amount=b_amount,
        preset=preset,
        schedule=schedule_box,
        retries=retries_box,
        run_button=run_button,
        message=message,
        steps=steps,
        final=final,
        widget=root,
    )
    run_button.on_click(lambda _button: panel.run())
    preset.observe(_preset_to_schedule(schedule_box), names="value")
    return panel


def _preset_to_schedule(schedule: widgets.Text) -> Callable[[dict[str, Any]], None]:
    def copy(change: dict[str, Any]) -> None:
        if change["new"]:
            schedule.value = change["new"]

    return copy
