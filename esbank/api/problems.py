"""The status-code table of the HTTP API, and RFC 9457 problem details built from it.

Every error the API sends is ``application/problem+json``: a ``type`` (a URI naming the
problem; ``GET /problems/<name>`` explains it), a ``title`` (the same for every occurrence of
the type), the ``status`` and a ``detail`` that says what happened this time and what to do.
Extension members (``errors``, ``balance`` …) carry the facts a client may act on.

The table below is the single source of truth: the error handlers, the OpenAPI document, the
README's table, the notebook and the tests all read it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "/problems/"


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One row of the status table: a kind of answer, its status code and what to do."""

    name: str
    status: int
    title: str
    when: str
    advice: str

    @property
    def type(self) -> str:
        """The problem type URI (relative: resolve it against the API's base URL)."""
        return f"{TYPE_PREFIX}{self.name}"


_ROWS = [
    ProblemType("invalid-request", 400, "Invalid request",
                "a field is missing, unknown, or of the wrong type or range (money must be a "
                "JSON integer of cents: 12.5, true, \"5\", 1e3, negatives and values above "
                "2⁶³−1 are refused); a path or query parameter or the Idempotency-Key "
                "header is malformed",
                "fix the fields listed in errors and send the request again"),
    ProblemType("malformed-json", 400, "Malformed JSON",
                "the body is not one well-formed JSON object (a syntax error, NaN or Infinity, "
                "a key given twice)",
                "send one JSON object with each field once"),
    ProblemType("unknown-account", 404, "Unknown account",
                "no account has this id",
                "check the id, or open an account with POST /commands/open-account"),
    ProblemType("unknown-version", 404, "Unknown version",
                "the account never reached the version asked for",
                "ask for a version from 1 to the account's current version"),
    ProblemType("not-found", 404, "Not found",
                "no route has this path",
                "see GET /docs or /openapi.json for the routes"),
    ProblemType("method-not-allowed", 405, "Method not allowed",
                "the route exists but not with this method",
                "commands are POST, queries are GET"),
    ProblemType("stale-expected-version", 409, "Expected version is stale",
                "the body's expected_version is not the account's version any more: "
                "someone else changed the account after you read it",
                "read the account again, decide again, and send the command with the new "
                "version"),
    ProblemType("concurrency-conflict", 409, "Concurrency conflict",
                "other writers kept changing the account while the server retried",
                "send the command again"),
    ProblemType("idempotency-key-reused", 409, "Idempotency-Key already used",
                "this Idempotency-Key was already used for a different command",
                "a retry resends the same command with the same key; a new command needs a "
                "new key"),
    ProblemType("body-too-large", 413, "Request body too large",
                "the body is larger than the server accepts",
                "commands are small JSON objects: send only the command's fields"),
    ProblemType("unsupported-media-type", 415, "Unsupported media type",
                "a command body was sent without Content-Type: application/json",
                "send the body as JSON with Content-Type: application/json"),
    ProblemType("insufficient-funds", 422, "Insufficient funds",
                "a withdrawal asked for more than the balance",
                "withdraw at most the balance"),
    ProblemType("account-closed", 422, "Account closed",
                "the account is closed and takes no more commands",
                "open a new account"),
    ProblemType("non-zero-balance", 422, "Balance is not zero",
                "an account can only be closed with a zero balance",
                "withdraw the whole balance first, then close the account"),
    ProblemType("balance-limit", 422, "Balance limit",
                "the deposit would take the balance beyond 2⁶³−1 cents",
                "deposit less"),
    ProblemType("account-already-open", 422, "Account already open",
                "the account was opened before",
                "open another account with a new request"),
    ProblemType("internal-error", 500, "Internal server error",
                "the server failed in a way it did not expect; nothing about the cause is "
                "sent to the client",
                "try again later; if it persists, report it with the time of the request"),
    ProblemType("store-unavailable", 503, "Event store unavailable",
                "the event store cannot be reached (closed, locked or failing)",
                "try again later (a command answered so was not stored)"),
    ProblemType("read-model-unavailable", 503, "Read model unavailable",
                "the read models do not exist yet (no projector has run)",
                "try again once the projector runs"),
]  # fmt: skip

PROBLEMS: Mapping[str, ProblemType] = {row.name: row for row in _ROWS}
"""Every problem type the API can send, by name, in status order."""
ACCEPTED_STATUS = 202


def detail(kind: str, facts: str) -> str:
    """A detail for a problem of type ``kind``: what happened (``facts``), then what to do."""
    return f"{facts}; {PROBLEMS[kind].advice}"


def problem_body(kind: str, detail: str, **extensions: Any) -> dict[str, Any]:
    """The problem details object for a problem of type ``kind`` (a key of ``PROBLEMS``)."""
    row = PROBLEMS[kind]
    return {
        "type": row.type,
        "title": row.title,
        "status": row.status,
        "detail": detail,
        **extensions,
    }


class ProblemResponse(Response):
    """An ``application/problem+json`` response. Rendered as ASCII JSON, so any text a client
    sent (even a lone surrogate) can be quoted back without failing to encode."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem(
    kind: str, detail: str, *, headers: Mapping[str, str] | None = None, **extensions: Any
) -> ProblemResponse:
    """The response for a problem of type ``kind``, with ``detail`` and extension members."""
    body = problem_body(kind, detail, **extensions)
    return ProblemResponse(body, status_code=body["status"], headers=headers)
