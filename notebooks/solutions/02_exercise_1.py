"""Notebook 02, exercise 1 (solution): the command cycle with a retry loop."""

from esbank import (
    AppendResult,
    Command,
    ConcurrencyConflict,
    EventStore,
    decide,
    replay,
)


def handle_with_retry(store: EventStore, command: Command, max_retries: int = 3) -> AppendResult:
    """Load, decide, append at the loaded version; after a conflict, do it all again.

    A rule's refusal (a ``DomainError`` from ``decide``) is final and propagates. After
    ``max_retries`` retries the last ``ConcurrencyConflict`` is raised.
    """
    retries = 0
    while True:
        recorded = store.read_stream(command.account_id)  # 1. load ...
        state = replay((r.event for r in recorded), account_id=command.account_id)  # ... replay
        events = decide(command, state)  # 2. decide, against the state just loaded
        try:
            return store.append(  # 3. append, on condition nobody wrote since the load
                command.account_id, events, expected_version=state.version
            )
        except ConcurrencyConflict:
            retries += 1
            if retries > max_retries:
                raise  # give up: the caller learns the command was not applied
