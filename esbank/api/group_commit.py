"""Group commit: concurrent commands go to one writer, which commits them a group at a time.

DuckDB charges about a millisecond per statement, mostly the commit. Requests that arrive
while the writer is busy wait in a queue; the writer then takes all of them (up to
``max_group``), decides each against the state the ones before it left, and stores every
accepted event with one INSERT (``Bank.handle_batch``). Under load the cost of a commit is
shared by the whole group; with one request at a time no request waits for a group to fill.

A refusal refuses only its own command (``handle_batch`` gives one outcome per command). If
the group as a whole fails before anything is written (a conflict that outlived the retries,
a key used for another command, the store down), each of its commands is handled again on its
own, so the error reaches only the requests it belongs to.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from uuid import UUID

from esbank.app.bank import Bank
from esbank.app.outcomes import CommandRejected, CommandResult
from esbank.domain.arguments import require_int
from esbank.domain.commands import Command
from esbank.domain.errors import EsbankError

log = logging.getLogger("esbank.api")

Outcome = CommandResult | CommandRejected


@dataclass(slots=True)
class Submitted:
    """One command waiting for the writer, and the future its request awaits."""

    command: Command
    key: UUID | None = None
    expected_version: int | None = None
    future: Future[Outcome] = field(default_factory=Future)


@dataclass(slots=True)
class GroupStats:
    """What the writer has done so far."""

    groups: int = 0
    commands: int = 0
    largest: int = 0

    @property
    def mean_group(self) -> float:
        """Commands per group, on average (0.0 before the first group)."""
        return self.commands / self.groups if self.groups else 0.0


class GroupCommitter:
    """One writer thread that commits queued commands in groups through ``bank``."""

    def __init__(self, bank: Bank, *, max_group: int = 256) -> None:
        require_int("max_group", max_group, minimum=1)
        self.bank = bank
        self.max_group = max_group
        self.stats = GroupStats()
        self._queue: queue.SimpleQueue[Submitted | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(
        self, command: Command, *, key: UUID | None = None, expected_version: int | None = None
    ) -> Future[Outcome]:
        """Queue ``command``; the future gets its ``CommandResult`` or ``CommandRejected``,
        or the error that stopped it. The writer thread starts with the first command (again
        after ``close``)."""
        item = Submitted(command, key, expected_version)
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="esbank-group-commit", daemon=True
                )
                self._thread.start()
            self._queue.put(item)
        return item.future

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then stop the writer (a later ``submit`` starts another)."""
        with self._start_lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout)

    # -- the writer ------------------------------------------------------------------------
    def _run(self) -> None:
        deferred: deque[Submitted] = deque()
        stopping = False
        while not stopping or deferred:
            group, stopping = self._next_group(deferred, stopping)
            if group:
                self._commit(group)

    def _next_group(
        self, deferred: deque[Submitted], stopping: bool
    ) -> tuple[list[Submitted], bool]:
        """Wait for one command, then take what else is queued, up to ``max_group``.

        A group never holds one idempotency key twice (``handle_batch`` refuses that): the
        second comes first in the next group, where it finds the first one's result.
        """
        waiting = list(deferred)
        deferred.clear()
        if not waiting and not stopping:
            first = self._queue.get()
            if first is None:
                return [], True
            waiting.append(first)
        while len(waiting) < self.max_group and not stopping:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stopping = True
            else:
                waiting.append(item)
        group: list[Submitted] = []
        keys: set[UUID] = set()
        for item in waiting:
            if len(group) >= self.max_group or (item.key is not None and item.key in keys):
                deferred.append(item)
                continue
            group.append(item)
            if item.key is not None:
                keys.add(item.key)
        return group, stopping

    def _commit(self, group: list[Submitted]) -> None:
        """One ``handle_batch`` for the group; on a failure of the whole, one by one."""
        self.stats.groups += 1
        self.stats.commands += len(group)
        self.stats.largest = max(self.stats.largest, len(group))
        try:
            outcomes = self.bank.handle_batch(
                [s.command for s in group],
                idempotency_keys=[s.key for s in group],
                expected_versions=[s.expected_version for s in group],
            )
        except EsbankError:
            for item in group:
                self._one(item)
            return
        except BaseException as exc:  # a bug: every request of the group learns of it
            for item in group:
                item.future.set_exception(exc)
            log.exception("group commit failed")
            return
        for item, outcome in zip(group, outcomes, strict=True):
            item.future.set_result(outcome)

    def _one(self, item: Submitted) -> None:
        try:
            result = self.bank.handle(
                item.command, idempotency_key=item.key, expected_version=item.expected_version
            )
        except BaseException as exc:
            item.future.set_exception(exc)
        else:
            item.future.set_result(result)
