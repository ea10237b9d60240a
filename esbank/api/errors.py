"""From an exception to a problem response: the one mapping of the API's status codes.

Typed errors of the core map to rows of the status table; FastAPI's own validation errors
(which it would send as 422) become 400 with one line per field; anything else is a 500 whose
detail says nothing about the cause (the cause goes to the server's log).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from esbank.api.problems import ProblemResponse, detail, problem
from esbank.domain.errors import (
    AccountAlreadyOpen,
    AccountClosedError,
    AccountNotOpen,
    BalanceLimitExceeded,
    EsbankError,
    InsufficientFunds,
    InvalidCommand,
    NonZeroBalance,
)
from esbank.eventstore.errors import (
    ConcurrencyConflict,
    CorruptEvent,
    DuplicateEventId,
    StoreError,
    UnknownEventType,
    UnsupportedSchemaVersion,
)

log = logging.getLogger("esbank.api")
# A library logs, the application decides where to (``make serve`` sends it to stderr).
log.addHandler(logging.NullHandler())
ErrorDict = dict[str, Any]
"""One of pydantic's validation errors (``loc``, ``type``, ``msg``, ``input``, ``ctx``)."""

MONEY_FIELDS = {
    "amount": "a JSON integer number of cents from 1 to 9223372036854775807",
    "initial_balance": "a JSON integer number of cents from 0 to 9223372036854775807",
}
INTEGER_FIELDS = {
    "expected_version": "a JSON integer from 0 (the version you last read), or null",
    "min_position": "an integer from 0 to 9223372036854775807",
    "as_of_version": "an integer from 1 to 9223372036854775807",
    "from_version": "an integer from 1 to 9223372036854775807",
    "limit": "an integer from 1 to 1000",
}
_UNREADABLE = (CorruptEvent, UnknownEventType, UnsupportedSchemaVersion)


class UnknownVersion(EsbankError):
    """A read asked for a version the account never reached."""


class ReadModelMissing(EsbankError):
    """The read models do not exist in the store's database yet."""


class InvalidIdempotencyKey(EsbankError):
    """The Idempotency-Key header cannot be used."""


def _conflict(error: ConcurrencyConflict, client_expected: bool) -> ProblemResponse:
    facts = {"expected_version": error.expected, "current_version": error.actual}
    if client_expected:
        return problem(
            "stale-expected-version",
            detail(
                "stale-expected-version",
                f"you expected account {error.aggregate_id} at version {error.expected}, "
                f"but it is at version {error.actual}",
            ),
            **facts,
        )
    return problem(
        "concurrency-conflict",
        detail("concurrency-conflict", f"account {error.aggregate_id} kept changing"),
    )


def error_response(error: Exception, *, client_expected: bool = False) -> ProblemResponse:
    """The problem response for ``error`` (``client_expected``: the body had an
    expected_version, so a conflict means the client's view is stale)."""
    if isinstance(error, ConcurrencyConflict):
        return _conflict(error, client_expected)
    if isinstance(error, InsufficientFunds):
        facts = f"account {error.account_id} holds {error.balance} cents, {error.requested} asked"
        return problem(
            "insufficient-funds",
            detail("insufficient-funds", facts),
            balance=error.balance,
            requested=error.requested,
        )
    if isinstance(error, NonZeroBalance):
        facts = f"account {error.account_id} still holds {error.balance} cents"
        return problem("non-zero-balance", detail("non-zero-balance", facts), balance=error.balance)
    simple: list[tuple[type[Exception], str]] = [
        (AccountNotOpen, "unknown-account"),
        (AccountClosedError, "account-closed"),
        (BalanceLimitExceeded, "balance-limit"),
        (AccountAlreadyOpen, "account-already-open"),
        (UnknownVersion, "unknown-version"),
        (InvalidIdempotencyKey, "invalid-request"),
        (ReadModelMissing, "read-model-unavailable"),
    ]
    for kind, name in simple:
        if isinstance(error, kind):
            facts = str(error).split(";")[0]
            return problem(name, detail(name, facts))
    if isinstance(error, InvalidCommand):  # a field the schema let through, refused by the domain
        facts = str(error).split(";")[0]
        field = facts.split(" ", 1)[0] if facts.split(" ", 1)[0].isidentifier() else "body"
        errors = [{"field": field, "problem": facts}]
        return problem("invalid-request", detail("invalid-request", facts), errors=errors)
    if isinstance(error, DuplicateEventId):
        return problem(
            "idempotency-key-reused",
            detail("idempotency-key-reused", "this key came first with another command"),
        )
    if isinstance(error, StoreError) and not isinstance(error, _UNREADABLE):
        log.warning("store unavailable: %s", error)
        return problem(
            "store-unavailable",
            detail("store-unavailable", "the event store did not answer"),
            headers={"Retry-After": "1"},
        )
    return internal_error(error)


def internal_error(error: BaseException) -> ProblemResponse:
    """A 500 that tells the client nothing about the cause; the cause goes to the log."""
    log.error("unexpected error in the API", exc_info=error)
    return problem("internal-error", detail("internal-error", "the request failed"))


# -- FastAPI's validation errors, as 400 -----------------------------------------------------
def _shown(value: Any) -> str:
    """A client's value quoted back briefly, as JSON (ASCII, at most 40 characters)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = f"{value!r} (a number with a fraction or an exponent)"
    else:
        try:
            text = json.dumps(value, ensure_ascii=True)
        except (TypeError, ValueError):
            text = repr(value).encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= 40 else text[:37] + "..."


def _field(loc: Sequence[Any]) -> str:
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in {"body", "query", "path", "header"}
        else list(loc)
    )
    return ".".join(str(p) for p in parts) or "body"


def field_problem(error: ErrorDict) -> tuple[str, str]:
    """``(field, what is wrong and what to send)`` for one pydantic error."""
    loc, kind = tuple(error.get("loc", ())), str(error.get("type", ""))
    field = _field(loc)
    name = str(loc[-1]) if loc else ""
    if kind == "json_invalid":
        reason = error.get("ctx", {}).get("error", "a syntax error")
        return "body", f"the body is not valid JSON ({reason})"
    if kind == "missing" and field == "body":
        return "body", "the body is missing; send a JSON object with the command's fields"
    if kind == "missing":
        return field, f"{field} is required"
    if kind == "extra_forbidden":
        return field, f"{field} is not a field of this request; leave it out"
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "body", "the body must be a JSON object with the command's fields"
    got = f", got {_shown(error.get('input'))}"
    if name in MONEY_FIELDS:
        return field, f"{field} must be {MONEY_FIELDS[name]} (write 12.34 as 1234){got}"
    if name in INTEGER_FIELDS:
        return field, f"{field} must be {INTEGER_FIELDS[name]}{got}"
    if kind.startswith("uuid") or name in {"account_id"}:
        return field, f"{field} must be a UUID such as 00000000-0000-0000-0000-000000000001{got}"
    if name == "Idempotency-Key":
        return field, "the Idempotency-Key header must be 1 to 200 characters, e.g. a UUID"
    if kind == "string_unicode":
        return field, f"{field} holds a lone surrogate (half of a UTF-16 pair){got}; send text"
    if name == "owner":
        return field, f"{field} must be a JSON string of 1 to 200 characters (trimmed){got}"
    return field, f"{field}: {error.get('msg', 'invalid')}{got}"


def validation_response(errors: Sequence[ErrorDict]) -> ProblemResponse:
    """A 400 problem listing every invalid field (``errors``: pydantic's error dicts); each
    line of the detail says what to send instead."""
    found = list(dict.fromkeys(field_problem(e) for e in errors))
    malformed = any(e.get("type") == "json_invalid" for e in errors)
    kind = "malformed-json" if malformed else "invalid-request"
    return problem(
        kind,
        detail(kind, "; ".join(text for _, text in found)),
        errors=[{"field": field, "problem": text} for field, text in found],
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    async def on_validation(_request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_response(exc.errors())

    async def on_http(request: Request, exc: Exception) -> ProblemResponse:
        assert isinstance(exc, HTTPException)
        facts = {
            400: ("malformed-json", "the body could not be read"),
            404: ("not-found", f"nothing is served at {request.url.path}"),
            405: ("method-not-allowed", f"{request.method} is not a method of this route"),
            413: ("body-too-large", "the body is larger than the server accepts"),
            415: ("unsupported-media-type", "the body was not sent as JSON"),
        }
        if exc.status_code not in facts:
            return internal_error(exc)
        name, fact = facts[exc.status_code]
        return problem(name, detail(name, fact), headers=exc.headers)

    async def on_esbank(_request: Request, exc: Exception) -> ProblemResponse:
        return error_response(exc)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(EsbankError, on_esbank)
