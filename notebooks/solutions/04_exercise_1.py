"""Notebook 04, exercise 1 (solution): is a snapshot due after an append?"""


def snapshot_due(before: int, after: int, every: int | None) -> bool:
    """True when an append taking the stream from version ``before`` to ``after`` reaches or
    passes a multiple of ``every``; always False when ``every`` is None (no snapshots).

    Versions ``0 … every-1`` are block 0, ``every … 2*every-1`` block 1, and so on. The append
    crossed a multiple exactly when it ended in a later block than it started in, even if a
    batch jumped over the multiple itself (from 4 to 7 with every=5).
    """
    if every is None:
        return False
    return before // every < after // every
