"""Properties of schema evolution, over generated histories and generated garbage.

1. Any valid history, stored at a random mix of the schema versions the bank ever used, reads
   and loads exactly like the same history written today through the normal append path.
2. ``migrate`` turns such a mixed log into the very rows today's code would have written.
3. Whatever a row holds (any JSON, any type name, any version), reading it fails, if at all,
   only with the store's and the domain's own typed errors.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import duckdb
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import event as label
from hypothesis import strategies as st
from support import rows

from esbank import (
    INT64_MAX,
    AccountOpened,
    Bank,
    BankAccount,
    CloseAccount,
    CorruptEvent,
    DepositMoney,
    DomainError,
    DuckDBEventStore,
    EsbankError,
    Event,
    InvalidHistory,
    MoneyDeposited,
    OpenAccount,
    StoreError,
    UnknownEventType,
    UnsupportedSchemaVersion,
    WithdrawMoney,
    decide,
    evolve,
    replay,
)
from esbank.app.migration import migrate
from esbank.eventstore import REGISTRY, encode

A = UUID(int=0xA)
B = UUID(int=0xB)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STEP = timedelta(seconds=61, microseconds=7)  # sub-second times must survive too
CURRENT = REGISTRY.current_versions()
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# -- generated histories -------------------------------------------------------------------------
@dataclass(frozen=True)
class Stored:
    """One event of a generated history and the old-fashioned row it is stored as."""

    aggregate_id: UUID
    version: int
    event: Event
    event_type: str
    schema_version: int
    payload: dict[str, Any]


def euros_if_exact(cents: int) -> float | None:
    """The float euros a v1 row would hold for ``cents``, if its decimal text is exact."""
    euros = float(str(Decimal(cents) / 100))
    return euros if Decimal(repr(euros)) * 100 == cents else None


amounts = st.one_of(
    st.integers(1, 10_000),
    st.integers(1, 10**12),
    st.integers(1, INT64_MAX),
    st.sampled_from([1, 29, 115, 2510, 1999, 2**53 + 1, INT64_MAX]),
)

owners = st.sampled_from(["Ada", " Bob ", "Zoë", "O'Brien", "李"])
extras = st.dictionaries(
    st.sampled_from(["channel", "legacy_ref", "currency"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=4), st.lists(st.integers(), max_size=2)),
    max_size=2,
)
steps = st.tuples(
    st.sampled_from([A, B]),
    st.sampled_from(["open", "deposit", "deposit", "withdraw", "withdraw_all", "close"]),
    amounts,
    owners,
)


def _stored_form(draw: st.DrawFn, command: Any, event: Event) -> tuple[str, int, dict[str, Any]]:
    """Pick at random one of the ways ``event`` was ever stored."""
    extra = draw(extras) if draw(st.booleans()) else {}
    if isinstance(event, AccountOpened):
        forms = [
            ("AccountOpened", 2, {"owner": command.owner, "initial_balance": event.initial_balance})
        ]
        if event.initial_balance == 0:  # v1 cannot carry a balance
            forms += [
                ("AccountOpened", 1, {"owner": command.owner}),
                ("AccountCreated", 1, {"owner": command.owner}),
            ]
    elif isinstance(event, MoneyDeposited):
        forms = [
            ("MoneyDeposited", 3, {"amount": event.amount}),
            ("MoneyDeposited", 2, {"amount_cents": event.amount}),
        ]
        euros = euros_if_exact(event.amount)
        if euros is not None:
            forms.append(("MoneyDeposited", 1, {"amount_eur": euros}))
    else:
        forms = [(event.event_type, event.schema_version, json.loads(encode(event)[2]))]
    event_type, schema_version, payload = draw(st.sampled_from(forms))
    return event_type, schema_version, {**extra, **payload}


@st.composite
def histories(draw: st.DrawFn) -> list[Stored]:
    """Accepted events over one or two accounts (refused commands add nothing), each with a
    randomly chosen stored form."""
    states = {A: BankAccount.new(A), B: BankAccount.new(B)}
    history: list[Stored] = []
    for account, kind, amount, owner in draw(st.lists(steps, min_size=1, max_size=20)):
        state = states[account]
        command: Any
        if not state.exists:
            command = OpenAccount(account, owner, amount if kind == "open" and amount % 3 else 0)
        elif kind == "withdraw" and state.balance:
            command = WithdrawMoney(account, 1 + amount % state.balance)
        elif kind == "withdraw_all" and state.balance:
            command = WithdrawMoney(account, state.balance)
        elif kind == "close":
            command = CloseAccount(account)
        else:
            command = DepositMoney(account, amount)
        try:
            events = decide(command, state)
        except DomainError:
            continue
        for event in events:
            state = evolve(state, event)
            history.append(
                Stored(account, state.version, event, *_stored_form(draw, command, event))
            )
        states[account] = state
    return history


def event_id(position: int) -> UUID:
    return UUID(int=0xE0000 + position)


def write_mixed(store: DuckDBEventStore, history: list[Stored]) -> None:
    """Write the history's rows in their old forms with raw SQL, in one statement."""
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, NULL, ?)"] * len(history))
    params: list[Any] = []
    for position, s in enumerate(history, start=1):
        params += [
            position,
            s.aggregate_id,
            s.version,
            event_id(position),
            s.event_type,
            s.schema_version,
            json.dumps(s.payload),
            START + (position - 1) * STEP,
        ]
    store.connection.execute(f"INSERT INTO events VALUES {values}", params)
    store.refresh()


def write_current(store: DuckDBEventStore, history: list[Stored]) -> None:
    """Write the same history today: the normal append path, one command's event at a time."""
    for position, s in enumerate(history, start=1):
        result = store.append(
            s.aggregate_id,
            [s.event],
            expected_version=s.version - 1,
            event_ids=[event_id(position)],
        )
        assert result.positions == (position,)


class Clock:
    """``START``, then one ``STEP`` later on every call; ``restart`` goes back to ``START``."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self._next = START

    def __call__(self) -> datetime:
        now, self._next = self._next, self._next + STEP
        return now


class Pool:
    """In-memory stores reused across examples (opening one costs far more than emptying it).

    ``take(n)`` hands out ``n`` stores that are empty, know nothing of earlier examples, and
    whose clocks start again at ``START``.
    """

    def __init__(self) -> None:
        self._stores: list[tuple[DuckDBEventStore, Clock]] = []

    def take(self, count: int) -> list[DuckDBEventStore]:
        while len(self._stores) < count:
            clock = Clock()
            self._stores.append((DuckDBEventStore(clock=clock), clock))
        taken = []
        for store, clock in self._stores[:count]:
            store.connection.execute("DELETE FROM events")
            store.refresh()
            clock.restart()
            taken.append(store)
        return taken

    def close(self) -> None:
        for store, _ in self._stores:
            store.close()


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    stores = Pool()
    yield stores
    stores.close()


def kept(store: DuckDBEventStore) -> list[tuple[Any, ...]]:
    """Everything a reader sees of the log except the stored type name and schema version."""
    return [
        (r.position, r.aggregate_id, r.version, r.event_id, r.event, r.metadata, r.recorded_at)
        for r in store.read_all()
    ]


def assert_same_loads(expected: Bank, actual: Bank, history: list[Stored]) -> None:
    """``actual`` loads every account at every version as the history's own replay, and
    ends where ``expected`` does. (That ``expected``, a normal store, also loads every
    version as the replay is the business of the Bank's own tests.)"""
    for account in dict.fromkeys(s.aggregate_id for s in history):
        events = [s.event for s in history if s.aggregate_id == account]
        for version in range(1, len(events) + 1):
            state = actual.load(account, as_of_version=version)
            assert state == replay(events[:version], account_id=account)
        assert actual.load(account) == expected.load(account) == state


# -- 1. mixed versions read like today's ---------------------------------------------------------
@PROPERTY
@given(histories())
def test_a_history_stored_at_mixed_versions_reads_and_loads_like_todays(
    pool: Pool, history: list[Stored]
) -> None:
    mixed, today = pool.take(2)
    write_mixed(mixed, history)
    write_current(today, history)
    assert kept(mixed) == kept(today)
    assert [(r.event_type, r.schema_version) for r in mixed.read_all()] == [
        (s.event_type, s.schema_version) for s in history
    ]
    accounts = list(dict.fromkeys(s.aggregate_id for s in history))
    assert {a: [r.event for r in rs] for a, rs in mixed.read_streams(accounts).items()} == {
        a: [s.event for s in history if s.aggregate_id == a] for a in accounts
    }
    before = rows(mixed)
    assert_same_loads(Bank(today), Bank(mixed), history)
    assert rows(mixed) == before  # reading rewrote nothing


# -- 2. migration --------------------------------------------------------------------------------
@PROPERTY
@given(histories(), st.integers(1, 25))
def test_migrating_a_mixed_log_gives_the_rows_todays_code_writes(
    pool: Pool, history: list[Stored], page: int
) -> None:
    mixed, migrated, today = pool.take(3)
    write_mixed(mixed, history)
    write_current(today, history)
    before = rows(mixed)
    report = migrate(mixed, migrated, page=page)
    assert rows(mixed) == before
    # byte for byte what the normal append path writes: positions, ids, versions, times,
    # current types and versions, payloads without the old unknown fields
    assert rows(migrated) == rows(today)
    assert kept(migrated) == kept(mixed)
    assert all((r.event_type, r.schema_version) in CURRENT.items() for r in migrated.read_all())
    assert_same_loads(Bank(mixed), Bank(migrated), history)
    old = Counter(
        (s.event_type, s.schema_version)
        for s in history
        if (s.event_type, s.schema_version) not in CURRENT.items()
    )
    assert report.events == len(history)
    assert report.rewritten == dict(old)
    assert report.unchanged == len(history) - old.total()


# -- 3. garbage in, typed errors out -------------------------------------------------------------
def mostly(usual: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> Any:
    """``usual`` three times in four, else ``other`` (repeating a strategy in ``one_of`` would
    not weigh it: the repeats count once)."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda ok: usual if ok else other)


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 1, 2510, INT64_MAX, INT64_MAX + 1, -(2**63), 10**30]),
    st.floats(),  # nan and inf are written as NaN/Infinity, which DuckDB's JSON accepts
    st.text(max_size=8),
    st.sampled_from(["", " ", "Ada", "\ud800", "25.10"]),
)
known_keys = st.sampled_from(["owner", "initial_balance", "amount", "amount_cents", "amount_eur"])
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(known_keys, st.text(max_size=4)), inner, max_size=3),
    ),
    max_leaves=8,
)
payload_objects = st.dictionaries(
    st.one_of(known_keys, st.text(max_size=6)), json_values, max_size=4
)
payloads = st.one_of(
    payload_objects.map(json.dumps),
    payload_objects.map(json.dumps),
    json_values.map(json.dumps),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
)
event_types = st.one_of(
    st.sampled_from([*CURRENT, "AccountCreated"]),
    st.sampled_from([*CURRENT, "AccountCreated"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
    st.sampled_from(["", "accountopened", "MoneyDeposited ", "<MoneyDeposited object>"]),
)
schema_versions = st.one_of(
    st.integers(-2, 5),
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from([0, -1, 2**31 - 1, -(2**31), 2**31, 2**63]),
)
# The fields each stored (type, version) had: rows built from these, with values that are
# plausible or garbage, a field dropped now and then and strangers added, get past the type
# and version checks and exercise the upcasters and the events' own validation.
FIELDS: dict[tuple[str, int], list[str]] = {
    ("AccountCreated", 1): ["owner"],
    ("AccountOpened", 1): ["owner"],
    ("AccountOpened", 2): ["owner", "initial_balance"],
    ("MoneyDeposited", 1): ["amount_eur"],
    ("MoneyDeposited", 2): ["amount_cents"],
    ("MoneyDeposited", 3): ["amount"],
    ("MoneyWithdrawn", 1): ["amount"],
    ("AccountClosed", 1): [],
}
plausible = st.one_of(
    st.integers(0, 10**6),
    st.integers(0, 10**6).map(lambda cents: cents / 100),
    st.floats(0, 1e6),
    owners,
    json_scalars,
)

VALID = {
    "owner": owners,
    "initial_balance": st.integers(0, 10**6),
    "amount_eur": st.one_of(
        st.integers(1, 10**6).map(lambda cents: cents / 100), st.integers(1, 99)
    ),
    "amount_cents": st.integers(1, 10**6),
    "amount": st.integers(1, 10**6),
}


@st.composite
def near_valid_rows(draw: st.DrawFn) -> tuple[str, int, str]:
    (event_type, schema_version), fields = draw(st.sampled_from(sorted(FIELDS.items())))
    payload = {
        name: draw(mostly(VALID[name], plausible))
        for name in fields
        if draw(st.sampled_from([True] * 9 + [False]))  # now and then a field is missing
    }
    if draw(st.booleans()):  # strangers (now and then one overwrites a known field)
        payload.update(draw(st.dictionaries(st.text(max_size=6), json_values, max_size=2)))
    schema_version += draw(st.sampled_from([0] * 8 + [-1, 1]))  # or a version off by one
    return event_type, schema_version, json.dumps(payload)


stored_rows = mostly(near_valid_rows(), st.tuples(event_types, schema_versions, payloads))
TYPED = (CorruptEvent, UnknownEventType, UnsupportedSchemaVersion, InvalidHistory)


def outcome(call: Any) -> tuple[str, Any]:
    """("ok", result) or ("error", the EsbankError); anything else fails the test."""
    try:
        return "ok", call()
    except EsbankError as error:
        assert isinstance(error, TYPED), repr(error)
        return "error", error


@settings(PROPERTY, max_examples=100)
@given(stored_rows, st.booleans())
@example(("MoneyDeposited", 1, '{"amount_eur": NaN}'), False)
@example(("MoneyDeposited", 1, '{"amount_eur": -Infinity}'), False)
@example(("MoneyDeposited", 1, '{"amount_eur": 1e400}'), True)
@example(("MoneyDeposited", 1, '{"amount_eur": ' + "9" * 5000 + "}"), False)
@example(("MoneyDeposited", 3, "[" * 100_000 + "]" * 100_000), False)
@example(("AccountOpened", 2, '{"owner": "Ada", "initial_balance": 0}'), False)
@example(("AccountOpened", 2, '{"owner": "Ada", "initial_balance": 0}'), True)
@example(("AccountCreated", 1, '{"owner": "Ada", "owner": 5}'), True)
@example(("MoneyDeposited", 1, '{"amount_eur": 0.30000000000000004}'), False)
@example(("MoneyDeposited", 1, '{"amount_eur": 92233720368547758.07}'), False)
@example(("MoneyDeposited", 2, '{"amount_cents": 1e2}'), False)
@example(("MoneyWithdrawn", 1, '{"amount": 106}'), False)
@example(("AccountClosed", 1, "{}"), False)
@example(("AccountClosed", 1, "null"), False)
def test_whatever_a_row_holds_reading_it_fails_only_with_typed_errors(
    pool: Pool, row: tuple[str, int, str], own_stream: bool
) -> None:
    event_type, schema_version, payload = row
    (store,) = pool.take(1)
    store.append(A, [AccountOpened("Ada", 100), MoneyDeposited(5)], expected_version=0)
    stream = B if own_stream else A
    version = 1 if own_stream else 3
    try:
        store.connection.execute(
            "INSERT INTO events VALUES (3, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [stream, version, event_id(3), event_type, schema_version, payload, START],
        )
    except duckdb.Error:  # invalid JSON, or a version beyond INTEGER: never stored
        assume(False)
    store.refresh()
    before = rows(store)
    bank = Bank(store)
    read = outcome(lambda: store.read_stream(stream))
    everything = outcome(lambda: store.read_all())
    loaded = outcome(lambda: bank.load(stream))
    several = outcome(lambda: store.read_streams([A, B]))
    assert rows(store) == before  # reads never rewrite

    if read[0] == "error":
        # the row itself is unreadable: every read of it says so, naming the row
        error = read[1]
        label(f"refused: {type(error).__name__}")
        assert isinstance(error, StoreError)
        assert "position 3" in str(error)
        for other in (everything, loaded, several):
            assert other[0] == "error"
            assert type(other[1]) is type(error)
            assert str(other[1]) == str(error)
        assert [r.version for r in store.read_stream(A, to_version=2)] == [1, 2]
        return
    # the row reads as a valid current event, the same through every read
    recorded = read[1][-1]
    assert (recorded.event_type, recorded.schema_version) == (event_type, schema_version)
    decoded = recorded.event
    label(f"read: {type(decoded).__name__} v{schema_version}")
    assert everything[0] == "ok" and everything[1][-1].event == decoded
    assert several[0] == "ok" and several[1][stream][-1].event == decoded
    # its current encoding reads back as the same event (upcasting reached a fixed point)
    assert REGISTRY.decode(*encode(decoded), position=3, aggregate_id=stream, version=1) == decoded
    history = [r.event for r in read[1]]
    try:
        expected = replay(history, account_id=stream)
    except InvalidHistory as error:
        assert loaded[0] == "error" and isinstance(loaded[1], InvalidHistory)
        assert str(loaded[1]) == str(error)
    else:
        assert loaded == ("ok", expected)


def test_euros_if_exact_only_offers_floats_that_read_back_as_the_same_cents() -> None:
    assert euros_if_exact(2510) == 25.1
    assert euros_if_exact(29) == 0.29
    assert euros_if_exact(2**53 + 1) is None  # 90071992547409.93 is not a float
    offered = [c for c in range(1, 20_000) if euros_if_exact(c) is not None]
    assert len(offered) == 19_999  # every everyday amount can be a v1 row
    for cents in offered:
        assert Decimal(repr(euros_if_exact(cents))) * 100 == cents
    assert euros_if_exact(INT64_MAX) is None
    assert euros_if_exact(10**15) == 1e13
