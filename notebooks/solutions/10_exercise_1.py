"""Notebook 10, exercise 1: the status code the command API answers for each error."""

from esbank import (
    AccountAlreadyOpen,
    AccountClosedError,
    AccountNotOpen,
    BalanceLimitExceeded,
    ConcurrencyConflict,
    CorruptEvent,
    DuplicateEventId,
    InsufficientFunds,
    InvalidCommand,
    NonZeroBalance,
    StoreError,
    UnknownEventType,
    UnsupportedSchemaVersion,
)


def status_for(error):
    # Most specific first: AccountNotOpen is a rule error, DuplicateEventId and CorruptEvent
    # are store errors, but each has its own answer.
    if isinstance(error, AccountNotOpen):
        return 404  # no such account
    if isinstance(error, InvalidCommand):
        return 400  # the request itself is wrong (InvalidAmount is one)
    rules = (InsufficientFunds, AccountClosedError, NonZeroBalance, BalanceLimitExceeded,
             AccountAlreadyOpen)
    if isinstance(error, rules):
        return 422  # a business rule refused the command
    if isinstance(error, ConcurrencyConflict | DuplicateEventId):
        return 409  # re-read and decide again / a new command needs a new key
    if isinstance(error, CorruptEvent | UnknownEventType | UnsupportedSchemaVersion):
        return 500  # stored data the server cannot read: its own fault
    if isinstance(error, StoreError):
        return 503  # the store is down: try later
    return 500
