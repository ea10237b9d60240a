"""The JSON shapes of the API: command bodies (strict), answers, and problem details.

Money is a JSON integer of cents and nothing else: the fields are strict, so ``12.5``,
``true``, ``"5"`` and ``1e3`` (a float once parsed) are refused, as are values out of range,
missing fields and unknown fields. The domain checks everything again when the command is
built; these models make the refusal a 400 with a field-by-field answer, and document it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from esbank.api.problems import PROBLEMS
from esbank.domain.money import INT64_MAX, OWNER_MAX_LENGTH

Cents = Annotated[
    int,
    Strict(),
    Field(
        ge=1,
        le=INT64_MAX,
        json_schema_extra={"format": "int64"},
        description="A JSON integer number of cents, 1 to 2⁶³−1.",
    ),
]
StartingCents = Annotated[
    int,
    Strict(),
    Field(
        ge=0,
        le=INT64_MAX,
        json_schema_extra={"format": "int64"},
        description="A JSON integer number of cents, 0 to 2⁶³−1.",
    ),
]
Version = Annotated[
    int,
    Strict(),
    Field(
        ge=0,
        le=INT64_MAX,
        json_schema_extra={"format": "int64"},
        description="The account version the client last saw (0: not opened yet). The "
        "command is refused with 409 if the account has moved on since.",
    ),
]
Owner = Annotated[
    str,
    StringConstraints(
        strict=True, strip_whitespace=True, min_length=1, max_length=OWNER_MAX_LENGTH
    ),
    Field(description="The holder's name, 1 to 200 characters after trimming spaces."),
]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: Version | None = None


class OpenAccountBody(_Command):
    """Open a new account; the server chooses its id."""

    owner: Owner
    initial_balance: StartingCents


class MoneyBody(_Command):
    """Deposit or withdraw ``amount`` cents."""

    account_id: UUID
    amount: Cents


class CloseAccountBody(_Command):
    """Close an account whose balance is zero."""

    account_id: UUID


class Accepted(BaseModel):
    """The answer to an accepted command: its events are stored."""

    status: Literal["accepted"]
    account_id: UUID
    new_version: int = Field(description="The account's version after the command.")
    position: int = Field(
        description="The global position of the command's last event: pass it as "
        "min_position to read your own write."
    )


class AccountView(BaseModel):
    """The account's row in the balances read model, and how fresh it is."""

    account_id: UUID
    owner: str | None
    balance: int | None
    version: int
    is_closed: bool | None
    checkpoint: int = Field(description="The log position the read model has reached.")
    min_position: int | None
    stale: bool = Field(description="True when the read model has not reached min_position.")
    note: str | None = Field(description="What a stale answer means and what to do.")


class AccountState(BaseModel):
    """The account rebuilt from its events (the write model), at a version if asked."""

    account_id: UUID
    owner: str | None
    balance: int
    version: int
    is_open: bool
    is_closed: bool


class StoredEvent(BaseModel):
    """One event of the account's stream, as stored."""

    position: int
    version: int
    event_id: UUID
    event_type: str
    schema_version: int
    data: dict[str, Any]
    recorded_at: datetime


class EventPage(BaseModel):
    """A page of the account's stream, in version order."""

    account_id: UUID
    events: list[StoredEvent]
    next_from_version: int | None = Field(
        description="Ask again with this from_version for the rest; null at the end."
    )


class ProjectionLag(BaseModel):
    """How far one read model is behind the log."""

    projection: str
    checkpoint: int
    events_behind: int
    seconds_behind: float
    status: str


class Health(BaseModel):
    """The store answers; how far behind each read model is."""

    status: Literal["ok", "lagging"]
    store: Literal["reachable"]
    head: int
    projections: list[ProjectionLag]
    group_commit: bool


class ProblemTypeDoc(BaseModel):
    """One row of the status table."""

    type: str
    status: int
    title: str
    when: str
    advice: str


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str
    problem: str


class Problem(BaseModel):
    """An RFC 9457 problem details object (sent as application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that may answer with these error statuses (and
    500, which any route may): each a problem, described by its rows of the status table."""
    described: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 500}):
        titles = [row.title for row in PROBLEMS.values() if row.status == status]
        described[status] = {"model": Problem, "description": "; ".join(titles)}
    return described
