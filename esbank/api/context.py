"""What the routes share: the bank, the store, the read side and how commands are executed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid5

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from esbank.api.errors import InvalidIdempotencyKey
from esbank.api.group_commit import GroupCommitter
from esbank.app.bank import Bank
from esbank.app.outcomes import CommandRejected, CommandResult
from esbank.app.projections import Projector
from esbank.app.read_models import Queries
from esbank.domain.commands import Command
from esbank.eventstore.protocol import SqlStore

IDEMPOTENCY_NAMESPACE = UUID("5d3c1f0e-8a2b-4c6d-9e7f-1a2b3c4d5e6f")
"""Fixed, so the same Idempotency-Key always becomes the same UUID, in every process."""
MAX_KEY_LENGTH = 200


def idempotency_uuid(key: str | None) -> UUID | None:
    """The UUID an ``Idempotency-Key`` header stands for (None without one).

    Any string of 1 to 200 characters is a key; its UUID is ``uuid5`` of a fixed namespace,
    so a retry with the same header finds the events the first request stored.
    """
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey(
            f"the Idempotency-Key header has {len(key)} characters, it needs 1 to {MAX_KEY_LENGTH}"
        )
    return uuid5(IDEMPOTENCY_NAMESPACE, key)


@dataclass(frozen=True, slots=True)
class ApiContext:
    """Everything a route needs; one per app, kept in ``app.state.esbank``."""

    store: SqlStore
    bank: Bank
    queries: Queries
    projector: Projector | None
    committer: GroupCommitter | None
    new_id: Callable[[], UUID]
    read_wait: float

    def account_id_for(self, key: UUID | None) -> UUID:
        """A new account's id: from the idempotency key (a retry opens the same account),
        else a fresh one."""
        return uuid5(key, "account") if key is not None else self.new_id()

    async def execute(
        self, command: Command, key: UUID | None, expected_version: int | None
    ) -> CommandResult:
        """Handle ``command``: through the group committer when there is one, else alone
        in a worker thread. A refusal is raised as its error."""
        if self.committer is not None:
            future = self.committer.submit(command, key=key, expected_version=expected_version)
            outcome = await asyncio.wrap_future(future)
        else:
            outcome = await run_in_threadpool(
                self.bank.handle, command, idempotency_key=key, expected_version=expected_version
            )
        if isinstance(outcome, CommandRejected):
            raise outcome.error
        return outcome


def context(request: Request) -> ApiContext:
    """The context of the app that is serving ``request``."""
    found: ApiContext = request.app.state.esbank
    return found
