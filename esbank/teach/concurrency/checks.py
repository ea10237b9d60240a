"""The exercise checks of notebook 02: a command handler with a retry loop, and an event
store of the learner's own on a bare DuckDB connection.

The retry loop runs against a real in-memory store with a scripted rival teller who writes
just before the answer's appends, so every conflict it meets is the store's own. The event
store is raced for real (see :mod:`esbank.teach.concurrency.own_store`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from esbank.domain.account import decide, replay
from esbank.domain.commands import Command, DepositMoney, WithdrawMoney
from esbank.domain.errors import InsufficientFunds
from esbank.domain.events import AccountOpened, Event, MoneyDeposited, MoneyWithdrawn
from esbank.eventstore.errors import ConcurrencyConflict
from esbank.teach.concurrency.own_store import RACE_ROUNDS, event_store_mistake
from esbank.teach.determinism import memory_store
from esbank.teach.grading import ACCOUNT, Mistake, failed, first_mistake, passed


class _RunawayLoop(BaseException):
    """Raised by the rival store when an answer keeps appending: stops an endless loop.

    A ``BaseException``, so a broad ``except Exception`` in the answer cannot swallow it.
    """


RUNAWAY_APPENDS = 50
"""The rival store stops an answer after this many appends in one case."""


class _RivalStore:
    """A real in-memory store with a scripted rival teller who writes first.

    Just before each of the answer's first ``len(rival)`` appends, the rival appends its next
    event to the same stream (at the stream's true version), so the answer's expected version
    is out of date exactly then. Every other method is the real store's.
    """

    def __init__(self, opening_balance: int, rival: Sequence[Event]) -> None:
        self.inner = memory_store()
        self.inner.append(ACCOUNT, [AccountOpened("Ada", opening_balance)], expected_version=0)
        self._rival = list(rival)
        self.expected: list[object] = []
        """The expected_version of each append the answer made, in order."""
        self.loads = 0
        """How many times the answer read the stream."""

    def __getattr__(self, name: str) -> Any:
        if name in ("read_stream", "stream_events", "read_streams", "read_all"):
            self.loads += 1
        return getattr(self.inner, name)

    def _rival_writes(self, aggregate_id: UUID) -> None:
        if len(self.expected) > RUNAWAY_APPENDS:
            raise _RunawayLoop
        if self._rival:
            version = self.inner.stream_version(aggregate_id)
            self.inner.append(
                aggregate_id,
                [self._rival.pop(0)],
                expected_version=version,
                metadata={"teller": "rival"},
            )

    def append(self, aggregate_id: UUID, events: Sequence[Event], **kwargs: Any) -> Any:
        self.expected.append(kwargs.get("expected_version"))
        self._rival_writes(aggregate_id)
        return self.inner.append(aggregate_id, events, **kwargs)

    def append_batch(self, appends: Sequence[Any]) -> Any:
        for request in appends:
            self.expected.append(request.expected_version)
        if appends:
            self._rival_writes(appends[0].aggregate_id)
        return self.inner.append_batch(appends)

    def stream(self) -> list[tuple[Event, str]]:
        """The account's events after the case, each with who wrote it."""
        return [
            (r.event, str(r.metadata.get("teller", "you")))
            for r in self.inner.read_stream(ACCOUNT)
            if r.version > 1
        ]


@dataclass(frozen=True, slots=True)
class _RetryCase:
    """One situation for ``handle_with_retry``: a rival's writes and what must happen."""

    title: str
    opening_balance: int
    rival: tuple[Event, ...]
    command: Command
    max_retries: int
    appends: int
    """How many appends a correct answer makes."""
    loads: int
    """How many times a correct answer reads the stream."""
    raises: type[Exception] | None
    """The error a correct answer lets through, or None if it succeeds."""


_RETRY_CASES: tuple[_RetryCase, ...] = (
    _RetryCase(
        title="no rival: a deposit of 2500 into an account holding 10000",
        opening_balance=10_000,
        rival=(),
        command=DepositMoney(ACCOUNT, 2_500),
        max_retries=3,
        appends=1,
        loads=1,
        raises=None,
    ),
    _RetryCase(
        title="a rival deposits 1000 between your load and your append; you withdraw 500",
        opening_balance=10_000,
        rival=(MoneyDeposited(1_000),),
        command=WithdrawMoney(ACCOUNT, 500),
        max_retries=3,
        appends=2,
        loads=2,
        raises=None,
    ),
    _RetryCase(
        title="a rival withdraws 5000 first; you withdraw 7000 from what was 10000",
        opening_balance=10_000,
        rival=(MoneyWithdrawn(5_000),),
        command=WithdrawMoney(ACCOUNT, 7_000),
        max_retries=3,
        appends=1,
        loads=2,
        raises=InsufficientFunds,
    ),
    _RetryCase(
        title="a rival writes before every one of your appends; max_retries=2",
        opening_balance=10_000,
        rival=(MoneyDeposited(100),) * 10,
        command=DepositMoney(ACCOUNT, 2_500),
        max_retries=2,
        appends=3,
        loads=3,
        raises=ConcurrencyConflict,
    ),
    _RetryCase(
        title="a rival writes once; max_retries=0 means no retry at all",
        opening_balance=10_000,
        rival=(MoneyDeposited(100),),
        command=DepositMoney(ACCOUNT, 2_500),
        max_retries=0,
        appends=1,
        loads=1,
        raises=ConcurrencyConflict,
    ),
    _RetryCase(
        title="no rival; you withdraw 20000 from 10000 (max_retries=3)",
        opening_balance=10_000,
        rival=(),
        command=WithdrawMoney(ACCOUNT, 20_000),
        max_retries=3,
        appends=0,
        loads=1,
        raises=InsufficientFunds,
    ),
)


def _expected_after(case: _RetryCase) -> list[tuple[Event, str]]:
    """The account's events after a correct answer: the rival's writes, then yours if any."""
    rival = [(e, "rival") for e in case.rival[: case.appends]]
    if case.raises is not None:
        return rival
    history = [AccountOpened("Ada", case.opening_balance), *(e for e, _ in rival)]
    state = replay(history, account_id=ACCOUNT)
    return [*rival, *((e, "you") for e in decide(case.command, state))]


def _loop_mistake(store: _RivalStore, raised: BaseException | None) -> str | None:
    """What is wrong with the answer's loop (a hint), or None: the expected versions it
    appended with, and whether it stopped."""
    blind = [e for e in store.expected if not isinstance(e, int)]
    if blind:
        return (
            f"you appended with expected_version={blind[0]!r}, which turns the concurrency "
            "check off: a rival's write in between would go unnoticed. Pass "
            "expected_version=state.version, the version you loaded."
        )
    if isinstance(raised, _RunawayLoop):
        return (
            f"your function appended more than {RUNAWAY_APPENDS} times without stopping. After "
            "a conflict, reload the stream (so state.version is fresh), and give up after "
            "max_retries retries by re-raising the ConcurrencyConflict."
        )
    repeated = [a for a, b in zip(store.expected, store.expected[1:], strict=False) if a == b]
    if repeated:
        return (
            f"you retried with the same expected_version {repeated[0]} twice: the state was "
            "not reloaded. After a ConcurrencyConflict, read the stream again and replay it, "
            "then decide again against the new state."
        )
    return None


def _judge_retry(
    case: _RetryCase, store: _RivalStore, returned: Any, raised: BaseException | None
) -> str | None:
    """Why the answer is wrong in ``case`` (a hint), or None if it did the right thing."""
    loop = _loop_mistake(store, raised)
    if loop is not None:
        return loop
    if case.raises is None and raised is not None:
        if isinstance(raised, ConcurrencyConflict):
            return (
                "your function let the first ConcurrencyConflict escape. Catch it, reload the "
                "state, decide again and append again (up to max_retries more times)."
            )
        return f"your function raised {type(raised).__name__}: {raised}"
    if case.raises is not None and not isinstance(raised, case.raises):
        got = f"raised {type(raised).__name__}" if raised is not None else "returned normally"
        if case.raises is InsufficientFunds:
            return (
                f"your function {got}; it should raise InsufficientFunds. After the conflict, "
                "the reloaded balance is 5000, so decide refuses 7000: a rule's refusal is "
                "final, let the DomainError propagate (do not catch it, do not retry it)."
            )
        return (
            f"your function {got} after {len(store.expected)} append(s); with max_retries="
            f"{case.max_retries} it should make {case.appends} append(s), then re-raise the "
            "ConcurrencyConflict."
        )
    if isinstance(raised, InsufficientFunds) and store.loads != case.loads:
        return (
            f"decide refused the command, and your function read the stream {store.loads} "
            f"times; a correct one reads it {case.loads} time(s). A rule's refusal is final: "
            "catch only ConcurrencyConflict (not every Exception), and let a DomainError such "
            "as InsufficientFunds through at once, without retrying it."
        )
    if len(store.expected) != case.appends:
        return (
            f"your function made {len(store.expected)} append(s); {case.appends} were needed "
            f"(one first try plus at most max_retries={case.max_retries} retries, and no "
            "append once decide has refused)."
        )
    after = store.stream()
    if after != _expected_after(case):
        return (
            f"the account holds {after} after your function (event, writer), expected "
            f"{_expected_after(case)}. Append exactly the events decide returned for the "
            "command, to the command's account."
        )
    if case.raises is None and getattr(returned, "new_version", None) != 1 + len(after):
        return (
            f"your function returned {returned!r}; return the AppendResult of the append that "
            f"succeeded (its new_version here is {1 + len(after)})."
        )
    return None


def _run(
    handle_with_retry: Callable[..., Any], store: _RivalStore, case: _RetryCase
) -> tuple[Any, BaseException | None]:
    """What the answer returned, or what it raised (a runaway loop too); only
    ``NotImplementedError`` goes through, so the check can say the answer is still a stub."""
    try:
        return handle_with_retry(store, case.command, case.max_retries), None
    except NotImplementedError:
        raise
    except (Exception, _RunawayLoop) as exc:
        return None, exc


def _case_mistake(handle_with_retry: Callable[..., Any]) -> Mistake | None:
    """The first case the answer handles wrong, or None."""
    for case in _RETRY_CASES:
        store = _RivalStore(case.opening_balance, case.rival)
        try:
            hint = _judge_retry(case, store, *_run(handle_with_retry, store, case))
        finally:
            store.inner.close()
        if hint is not None:
            return f"case '{case.title}': not right yet.", hint
    return None


def check_handle_with_retry(handle_with_retry: Callable[..., Any] | None) -> bool:
    """Notebook 02, exercise 1: ``handle_with_retry(store, command, max_retries)``.

    Each case gives the answer a real in-memory store with a scripted rival teller who writes
    just before the answer's appends; the answer must reload and decide again after a
    conflict, let a rule's refusal through, and give up after ``max_retries`` retries.
    """
    wrong = first_mistake(
        "handle_with_retry",
        handle_with_retry,
        _case_mistake,
        stub_hint="replace the raise with the loop: load (read_stream + replay), decide, append "
        "at expected_version=state.version; on ConcurrencyConflict go round again.",
    )
    if wrong is not None:
        return wrong
    return passed(
        f"handle_with_retry handles all {len(_RETRY_CASES)} cases: it reloads and decides again "
        "after a conflict, lets a rule's refusal through, and gives up after max_retries."
    )


def check_event_store(store_class: Any) -> bool:
    """Notebook 02, exercise 2: ``MyEventStore(conn)`` with ``append`` and ``read``.

    The store gets its own fresh in-memory database. Plain cases (versions, return values,
    reading back, refusing a wrong expected version), two scripted races (a rival commits just
    before the store's INSERT), an INSERT that fails for another reason, then two threads
    racing at the same expected version: one winner each round, nothing lost or repeated.
    """
    if store_class is not None and not isinstance(store_class, type):
        return failed(
            f"MyEventStore must be a class, got {type(store_class).__name__}.",
            "define it with `class MyEventStore:` in the exercise cell, with __init__(self, "
            "conn), append(self, aggregate_id, expected_version, events) and read(self, "
            "aggregate_id).",
        )
    wrong = first_mistake(
        "MyEventStore",
        store_class,
        event_store_mistake,
        stub_hint="create the table in __init__, then write append (INSERT … ON CONFLICT "
        "(aggregate_id, version) DO NOTHING and the row count) and read (ORDER BY version).",
    )
    if wrong is not None:
        return wrong
    return passed(
        "MyEventStore keeps every stream gap-free and all or nothing: it refuses a stale or "
        "early expected version, loses no event when a rival commits first (one event or two), "
        "lets a failure that is not a conflict through, and in "
        f"{RACE_ROUNDS} rounds of two threads appending at once exactly one won each round and "
        "the other got ConcurrencyConflict."
    )
