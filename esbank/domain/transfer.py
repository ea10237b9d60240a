"""A transfer between two accounts: a process with its own stream, decided step by step. Pure.

Two accounts are two aggregates, and no transaction spans them. A transfer is therefore a
small process of its own, recorded in its own stream (the transfer's id): it is requested,
the source is debited, the target credited, and it completes; if the target refuses the
credit (closed, or never opened), the source is refunded. Each event says what has happened;
``next_step`` says what must happen next. Whoever runs the steps (``esbank.app.transfers``)
may crash between any two of them and simply run the next step again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Literal
from uuid import UUID

from esbank.domain.commands import require_account_id
from esbank.domain.errors import DomainError, InvalidCommand, InvalidHistory
from esbank.domain.money import require_amount

Stage = Literal[
    "new", "requested", "debited", "credited", "credit_refused", "completed", "refunded"
]
Step = Literal["debit", "credit", "complete", "refund"]
Status = Literal["pending", "completed", "refunded"]
REASON_MAX_LENGTH = 500


def _reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > REASON_MAX_LENGTH:
        raise InvalidCommand(
            f"reason must be a non-empty str of at most {REASON_MAX_LENGTH} characters, "
            f"got {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class TransferMoney:
    """Move ``amount`` cents from ``source`` to ``target``; ``transfer_id`` names the transfer
    (sending the same command again is the same transfer)."""

    transfer_id: UUID
    source: UUID
    target: UUID
    amount: int

    def __post_init__(self) -> None:
        require_account_id(self.transfer_id)
        require_account_id(self.source)
        require_account_id(self.target)
        require_amount(self.amount)
        if self.source == self.target:
            raise InvalidCommand(
                f"a transfer needs two different accounts, got {self.source} twice; "
                "a deposit or a withdrawal moves money within one account"
            )
        if self.transfer_id in (self.source, self.target):
            raise InvalidCommand("transfer_id must be a new id, not one of the accounts' ids")


@dataclass(frozen=True, slots=True)
class TransferRequested:
    """A transfer of ``amount`` cents from ``source`` to ``target`` was asked for."""

    event_type: ClassVar[str] = "TransferRequested"
    schema_version: ClassVar[int] = 1

    source: UUID
    target: UUID
    amount: int

    def __post_init__(self) -> None:
        require_account_id(self.source)
        require_account_id(self.target)
        require_amount(self.amount)


@dataclass(frozen=True, slots=True)
class TransferDebited:
    """The source account paid the amount out (its withdrawal is stored)."""

    event_type: ClassVar[str] = "TransferDebited"
    schema_version: ClassVar[int] = 1


@dataclass(frozen=True, slots=True)
class TransferCredited:
    """The target account received the amount (its deposit is stored)."""

    event_type: ClassVar[str] = "TransferCredited"
    schema_version: ClassVar[int] = 1


@dataclass(frozen=True, slots=True)
class TransferCompleted:
    """The transfer is done: the money moved from the source to the target."""

    event_type: ClassVar[str] = "TransferCompleted"
    schema_version: ClassVar[int] = 1


@dataclass(frozen=True, slots=True)
class TransferCreditRefused:
    """The target refused the credit (``reason``); the source must get its money back."""

    event_type: ClassVar[str] = "TransferCreditRefused"
    schema_version: ClassVar[int] = 1

    reason: str

    def __post_init__(self) -> None:
        _reason(self.reason)


@dataclass(frozen=True, slots=True)
class TransferRefunded:
    """The transfer ended without moving money: the source was refunded after the target
    refused the credit, or the source refused the debit and never paid (``reason``)."""

    event_type: ClassVar[str] = "TransferRefunded"
    schema_version: ClassVar[int] = 1

    reason: str

    def __post_init__(self) -> None:
        _reason(self.reason)


TransferEvent = (
    TransferRequested
    | TransferDebited
    | TransferCredited
    | TransferCompleted
    | TransferCreditRefused
    | TransferRefunded
)
TRANSFER_EVENT_TYPES: tuple[type[TransferEvent], ...] = (
    TransferRequested,
    TransferDebited,
    TransferCredited,
    TransferCompleted,
    TransferCreditRefused,
    TransferRefunded,
)


class TransferAlreadyRequested(DomainError):
    """A transfer id was used for a transfer already, with other accounts or another amount."""

    def __init__(self, transfer_id: UUID) -> None:
        self.transfer_id = transfer_id
        super().__init__(
            f"transfer {transfer_id} was already requested with other accounts or another "
            "amount; a new transfer needs a new transfer_id"
        )


@dataclass(frozen=True, slots=True)
class Transfer:
    """The state of one transfer, rebuilt from its events."""

    id: UUID
    source: UUID | None = None
    target: UUID | None = None
    amount: int = 0
    stage: Stage = "new"
    version: int = 0
    reason: str | None = None

    @property
    def status(self) -> Status:
        """``pending`` until it ends; then ``completed`` or ``refunded``."""
        if self.stage == "completed":
            return "completed"
        return "refunded" if self.stage == "refunded" else "pending"


def request_transfer(command: TransferMoney, state: Transfer) -> tuple[TransferRequested, ...]:
    """The event that starts ``command``'s transfer (none if this very transfer exists)."""
    requested = TransferRequested(command.source, command.target, command.amount)
    if state.stage == "new":
        return (requested,)
    if (state.source, state.target, state.amount) == (
        command.source,
        command.target,
        command.amount,
    ):
        return ()  # the same transfer asked for again: nothing new to record
    raise TransferAlreadyRequested(state.id)


# stage -> {event class: next stage}
_FLOW: dict[str, dict[type[TransferEvent], Stage]] = {
    "new": {TransferRequested: "requested"},
    "requested": {TransferDebited: "debited", TransferRefunded: "refunded"},
    "debited": {TransferCredited: "credited", TransferCreditRefused: "credit_refused"},
    "credited": {TransferCompleted: "completed"},
    "credit_refused": {TransferRefunded: "refunded"},
    "completed": {},
    "refunded": {},
}
_NEXT: dict[str, Step | None] = {
    "new": None,
    "requested": "debit",
    "debited": "credit",
    "credited": "complete",
    "credit_refused": "refund",
    "completed": None,
    "refunded": None,
}


def evolve_transfer(state: Transfer, event: TransferEvent) -> Transfer:
    """The transfer after ``event``; ``InvalidHistory`` if it could not have come next."""
    stage = _FLOW[state.stage].get(type(event))
    if stage is None:
        raise InvalidHistory(
            f"{type(event).__name__} cannot follow stage {state.stage!r} of transfer "
            f"{state.id} (version {state.version}); the stored history is inconsistent"
        )
    fields: dict[str, object] = {"stage": stage, "version": state.version + 1}
    if isinstance(event, TransferRequested):
        fields.update(source=event.source, target=event.target, amount=event.amount)
    elif isinstance(event, TransferCreditRefused | TransferRefunded):
        fields["reason"] = event.reason
    return replace(state, **fields)  # type: ignore[arg-type]


def replay_transfer(transfer_id: UUID, events: list[TransferEvent]) -> Transfer:
    """Fold ``evolve_transfer`` over a transfer's events."""
    state = Transfer(require_account_id(transfer_id))
    for event in events:
        state = evolve_transfer(state, event)
    return state


def next_step(state: Transfer) -> Step | None:
    """What must happen next: ``debit``, ``credit``, ``complete``, ``refund``, or None."""
    return _NEXT[state.stage]
