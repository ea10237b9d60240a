"""The write side over HTTP: ``POST /commands/<command>`` answers 202 with the new version and
the position of the command's last event, or a problem (see ``problems.PROBLEMS``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response

from esbank.api.body import StrictJsonRoute
from esbank.api.context import ApiContext, context, idempotency_uuid
from esbank.api.errors import error_response
from esbank.api.schemas import (
    Accepted,
    CloseAccountBody,
    MoneyBody,
    OpenAccountBody,
    documented,
)
from esbank.domain.commands import CloseAccount, Command, DepositMoney, OpenAccount, WithdrawMoney
from esbank.domain.errors import EsbankError

router = APIRouter(prefix="/commands", tags=["commands"], route_class=StrictJsonRoute)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any unique string (1 to 200 characters). Sending the same command again "
        "with the same key returns the first answer and stores nothing new.",
    ),
]
Build = Callable[[ApiContext, UUID | None], Command]
ON_AN_ACCOUNT = documented(400, 404, 409, 413, 415, 422, 503)
ACCEPTED: dict[str, Any] = {"status_code": 202, "response_model": Accepted}


async def _accept(
    request: Request, build: Build, expected: int | None, key_header: str | None
) -> Accepted | Response:
    """Build the command, execute it, and answer 202, or the problem that stopped it."""
    try:
        ctx = context(request)
        key = idempotency_uuid(key_header)
        result = await ctx.execute(build(ctx, key), key, expected)
    except EsbankError as error:
        return error_response(error, client_expected=expected is not None)
    return Accepted(
        status="accepted",
        account_id=result.aggregate_id,
        new_version=result.new_version,
        position=result.position,
    )


@router.post("/open-account", responses=documented(400, 409, 413, 415, 422, 503), **ACCEPTED)
async def open_account(
    body: OpenAccountBody, request: Request, response: Response, key: IdempotencyKey = None
) -> Accepted | Response:
    """Open an account for ``owner`` with ``initial_balance`` cents. The server picks the id
    (from the Idempotency-Key when there is one, so a retry opens no second account); the
    answer carries it, and a Location header to read the account."""

    def build(ctx: ApiContext, k: UUID | None) -> Command:
        return OpenAccount(ctx.account_id_for(k), body.owner, body.initial_balance)

    answer = await _accept(request, build, body.expected_version, key)
    if isinstance(answer, Accepted):
        response.headers["Location"] = f"/accounts/{answer.account_id}"
    return answer


@router.post("/deposit", responses=ON_AN_ACCOUNT, **ACCEPTED)
async def deposit(
    body: MoneyBody, request: Request, key: IdempotencyKey = None
) -> Accepted | Response:
    """Pay ``amount`` cents into the account."""
    command = DepositMoney(body.account_id, body.amount)
    return await _accept(request, lambda _c, _k: command, body.expected_version, key)


@router.post("/withdraw", responses=ON_AN_ACCOUNT, **ACCEPTED)
async def withdraw(
    body: MoneyBody, request: Request, key: IdempotencyKey = None
) -> Accepted | Response:
    """Take ``amount`` cents out of the account; refused (422) beyond the balance."""
    command = WithdrawMoney(body.account_id, body.amount)
    return await _accept(request, lambda _c, _k: command, body.expected_version, key)


@router.post("/close-account", responses=ON_AN_ACCOUNT, **ACCEPTED)
async def close_account(
    body: CloseAccountBody, request: Request, key: IdempotencyKey = None
) -> Accepted | Response:
    """Close the account; refused (422) while its balance is not zero."""
    command = CloseAccount(body.account_id)
    return await _accept(request, lambda _c, _k: command, body.expected_version, key)
