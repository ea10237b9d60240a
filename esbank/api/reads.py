"""The read side over HTTP: the balance read model, the stream, the rebuilt state, health, and
the status table itself.

Reads run in worker threads (the store's calls block); a read that waits for read-your-own-
writes polls for at most the app's ``read_wait`` seconds and then answers plainly, saying
the answer is stale rather than waiting longer or pretending.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from starlette.exceptions import HTTPException

from esbank.api.context import ApiContext, context
from esbank.api.errors import ReadModelMissing, UnknownVersion
from esbank.api.problems import PROBLEMS
from esbank.api.schemas import (
    AccountState,
    AccountView,
    EventPage,
    Health,
    ProblemTypeDoc,
    ProjectionLag,
    StoredEvent,
    documented,
)
from esbank.app.read_models import ReadModelStale
from esbank.domain.errors import AccountNotOpen
from esbank.domain.money import INT64_MAX

router = APIRouter(tags=["queries"])

AccountId = Annotated[UUID, Path(description="The account's id (a UUID).")]
MAX_PAGE = 1_000


def _known(ctx: ApiContext, account_id: UUID, doing: str) -> int:
    """The account's version in the log; 404 (AccountNotOpen) when it has no events."""
    version = ctx.store.stream_version(account_id)
    if version == 0:
        raise AccountNotOpen(account_id, doing)
    return version


def _stale_note(checkpoint: int, wanted: int | None) -> str:
    where = f"position {wanted}" if wanted is not None else "this account's events"
    return (
        f"the read model is at position {checkpoint} and has not reached {where} yet, so "
        "this answer may not show your latest write; ask again shortly (GET /health shows "
        "how far behind it is)"
    )


@router.get(
    "/accounts/{account_id}", response_model=AccountView, responses=documented(400, 404, 503)
)
def get_account(
    account_id: AccountId,
    request: Request,
    min_position: Annotated[
        int | None,
        Query(
            ge=0,
            le=INT64_MAX,
            description="The position your command returned: wait briefly for the read "
            "model to reach it (read your own writes).",
        ),
    ] = None,
) -> AccountView:
    """The account's balance from the read model (CQRS: not from the events), with the
    checkpoint it reflects. With ``min_position`` the server waits briefly for the read model
    to reach that position; if it has not, the answer says so (``stale``, ``note``)."""
    ctx = context(request)
    timeout = ctx.read_wait if min_position is not None else 0.0
    try:
        answer = ctx.queries.balance(
            account_id, min_position=min_position, timeout=timeout, allow_stale=True
        )
    except ReadModelStale as missing:  # no read-model tables yet
        raise ReadModelMissing(str(missing).split(";")[0]) from None
    if answer.value.empty:
        _known(ctx, account_id, "reading it")  # 404 unless the read model is only behind
        return AccountView(
            account_id=account_id, owner=None, balance=None, version=0, is_closed=None,
            checkpoint=answer.checkpoint, min_position=min_position, stale=True,
            note=_stale_note(answer.checkpoint, min_position),
        )  # fmt: skip
    row = answer.value.iloc[0]
    return AccountView(
        account_id=account_id, owner=row["owner"], balance=int(row["balance"]),
        version=int(row["version"]), is_closed=bool(row["is_closed"]),
        checkpoint=answer.checkpoint, min_position=min_position, stale=answer.stale,
        note=_stale_note(answer.checkpoint, min_position) if answer.stale else None,
    )  # fmt: skip


@router.get(
    "/accounts/{account_id}/events", response_model=EventPage, responses=documented(400, 404, 503)
)
def get_events(
    account_id: AccountId,
    request: Request,
    from_version: Annotated[int, Query(ge=1, le=INT64_MAX)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> EventPage:
    """The account's stream as stored, in version order, a page at a time."""
    ctx = context(request)
    version = _known(ctx, account_id, "reading its events")
    last = min(from_version + limit - 1, version)
    recorded = ctx.store.read_stream(account_id, from_version=from_version, to_version=last)
    events = [
        StoredEvent(
            position=r.position, version=r.version, event_id=r.event_id,
            event_type=r.event_type, schema_version=r.schema_version,
            data=dataclasses.asdict(r.event), recorded_at=r.recorded_at,
        )
        for r in recorded
    ]  # fmt: skip
    more = last < version and from_version <= version
    return EventPage(
        account_id=account_id, events=events, next_from_version=last + 1 if more else None
    )


@router.get(
    "/accounts/{account_id}/state", response_model=AccountState, responses=documented(400, 404, 503)
)
def get_state(
    account_id: AccountId,
    request: Request,
    as_of_version: Annotated[
        int | None,
        Query(ge=1, le=INT64_MAX, description="Rebuild the account as it was at this version."),
    ] = None,
) -> AccountState:
    """The account rebuilt from its events (the write model), now or as of a version."""
    ctx = context(request)
    version = _known(ctx, account_id, "reading its state")
    if as_of_version is not None and as_of_version > version:
        raise UnknownVersion(
            f"account {account_id} is at version {version}, it has no version {as_of_version}"
        )
    state = ctx.bank.load(account_id, as_of_version=as_of_version)
    return AccountState(
        account_id=account_id, owner=state.owner, balance=state.balance,
        version=state.version, is_open=state.is_open, is_closed=state.is_closed,
    )  # fmt: skip


@router.get("/health", response_model=Health, responses=documented(503), tags=["meta"])
def health(request: Request) -> Health:
    """The store answers (else 503), and how far behind each read model is."""
    ctx = context(request)
    head = ctx.store.head_position()
    lags = []
    if ctx.projector is not None:
        for row in ctx.projector.lags().itertuples(index=False):
            lags.append(
                ProjectionLag(
                    projection=row.projection, checkpoint=int(row.checkpoint),
                    events_behind=int(row.events_behind),
                    seconds_behind=float(row.seconds_behind), status=str(row.status),
                )
            )  # fmt: skip
    lagging = any(lag.status != "healthy" for lag in lags)
    return Health(
        status="lagging" if lagging else "ok",
        store="reachable",
        head=head,
        projections=lags,
        group_commit=ctx.committer is not None,
    )


@router.get("/problems", response_model=list[ProblemTypeDoc], tags=["meta"])
def problem_types() -> list[ProblemTypeDoc]:
    """The status table: every problem type the API sends, with when and what to do."""
    return [_doc(name) for name in PROBLEMS]


@router.get(
    "/problems/{name}", response_model=ProblemTypeDoc, responses=documented(404), tags=["meta"]
)
def problem_type(name: str) -> ProblemTypeDoc:
    """One problem type (a problem's ``type`` URI points here)."""
    return _doc(name)


def _doc(name: str) -> ProblemTypeDoc:
    if name not in PROBLEMS:
        raise HTTPException(404)
    row = PROBLEMS[name]
    return ProblemTypeDoc(
        type=row.type, status=row.status, title=row.title, when=row.when, advice=row.advice
    )
