"""The exercise check of notebook 10: which status code answers which error.

``status_for(error)`` is compared with the API's own answer (``esbank.api``'s error mapping)
for one error of each kind the command handler can raise. A wrong answer is explained with
the mistake it usually is, the reference note's two HTTP bugs among them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from esbank.api.errors import error_response
from esbank.domain.arguments import is_int
from esbank.domain.errors import (
    AccountAlreadyOpen,
    AccountClosedError,
    AccountNotOpen,
    BalanceLimitExceeded,
    InsufficientFunds,
    InvalidAmount,
    InvalidCommand,
    NonZeroBalance,
)
from esbank.domain.money import INT64_MAX
from esbank.eventstore.errors import (
    ConcurrencyConflict,
    CorruptEvent,
    DuplicateEventId,
    StoreError,
    StoreLocked,
)
from esbank.teach.grading import ACCOUNT, Mistake, call, first_mistake, passed

StatusFor = Callable[[Exception], Any]

CASES: list[tuple[Exception, str]] = [
    (InsufficientFunds(ACCOUNT, 100, 500),
     "a business rule refused the command: 422. Never 200 (the note's Rust handler sends "
     "every refusal as 200 OK, so a client reading the status thinks it worked)."),
    (AccountClosedError(ACCOUNT, "DepositMoney"), "a closed account is a rule's refusal: 422."),
    (NonZeroBalance(ACCOUNT, 250), "closing with money left is a rule's refusal: 422."),
    (BalanceLimitExceeded(ACCOUNT, INT64_MAX, 1, INT64_MAX), "the balance limit is a rule: 422."),
    (AccountAlreadyOpen(ACCOUNT, 1), "opening twice is a rule's refusal: 422."),
    (AccountNotOpen(ACCOUNT, "DepositMoney"),
     "no account has this id: 404, the resource is not there (check AccountNotOpen before the "
     "other rule errors: it is one of them)."),
    (InvalidAmount("amount must be an int number of cents, got 12.5"),
     "invalid input is the client's mistake in the request itself: 400, not 422."),
    (InvalidCommand("owner must not be empty"), "an invalid field is 400."),
    (ConcurrencyConflict(ACCOUNT, 3, 4),
     "a version conflict is 409: re-read, decide again, send again."),
    (DuplicateEventId("idempotency key already used for another command"),
     "a key reused for another command is 409. Careful: DuplicateEventId is a StoreError, "
     "so test for it before StoreError."),
    (StoreError("the event store is closed"),
     "the store is down: 503, try later. Not 409 (the note's Go handler answers every append "
     "error with 409, so a client re-reads and retries at once into an outage)."),
    (StoreLocked("the database file is held by another process"),
     "a locked store is unavailable too: 503."),
    (CorruptEvent("position 7 holds bad JSON"),
     "stored data the server cannot read is the server's own fault and a retry will not fix "
     "it: 500, not 503. Check CorruptEvent before StoreError."),
]  # fmt: skip
"""Each error and the hint shown if ``status_for`` answers it wrongly."""


def expected_status(error: Exception) -> int:
    """What the API itself answers for ``error``."""
    return int(error_response(error, client_expected=False).status_code)


def _mistake(status_for: StatusFor) -> Mistake | None:
    """The first error ``status_for`` answers differently from the API, or None.

    ``NotImplementedError`` goes through: the caller says the answer is still a stub.
    """
    for error, hint in CASES:
        got, raised = call(status_for, error)
        shown = f"status_for({type(error).__name__}(…))"
        if raised is not None:
            return f"{shown} raised {type(raised).__name__}: {raised}", hint
        if not is_int(got):
            return f"{shown} returned {got!r}.", "return the status code as an int, e.g. 422."
        want = expected_status(error)
        if got != want:
            return f"{shown} returned {got}, the API answers {want}.", hint
    return None


def check_status_for(status_for: StatusFor | None) -> bool:
    """Notebook 10, exercise 1: ``status_for(error) -> int``, the status code the command
    API answers for each kind of error."""
    wrong = first_mistake(
        "status_for",
        status_for,
        _mistake,
        stub_hint="replace the raise: test isinstance(error, …) from the most specific error "
        "class to the most general, and return 422, 404, 400, 409, 503 or 500.",
    )
    if wrong is not None:
        return wrong
    codes = sorted({expected_status(e) for e, _ in CASES})
    return passed(
        f"status_for answers all {len(CASES)} errors as the API does "
        f"(codes {', '.join(map(str, codes))}); no refusal is 200 and no outage is 409."
    )

