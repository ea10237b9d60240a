"""Notebook 07, exercise 1 (solution): how far is a projection behind the log?"""

from datetime import datetime


def lag_metrics(
    log: list[tuple[int, datetime]], checkpoint: int, now: datetime, threshold: int
) -> tuple[int, float, bool]:
    """Events behind, seconds behind and health of a projection at ``checkpoint``.

    ``log`` holds ``(position, recorded_at)`` for every event. Events behind is the head
    position minus the checkpoint. Seconds behind is the age at ``now`` of the *oldest* event
    the projection has not applied (0.0 when it has applied everything): that is how long the
    read model has been missing something. Healthy means at most ``threshold`` events behind.
    """
    head = max((position for position, _ in log), default=0)
    behind = head - checkpoint
    unapplied = [recorded_at for position, recorded_at in log if position > checkpoint]
    seconds = max(0.0, (now - min(unapplied)).total_seconds()) if unapplied else 0.0
    return behind, seconds, behind <= threshold
