"""The exercise check of notebook 04: is a snapshot due after an append?

The answer is compared with esbank's own rule on a grid of appends, then with the snapshots a
real ``Bank(snapshot_every=5)`` writes for single commands and batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from esbank.app.bank import Bank
from esbank.app.snapshots import snapshot_due as esbank_due
from esbank.domain.commands import DepositMoney, OpenAccount
from esbank.teach.determinism import SequentialIds, memory_store
from esbank.teach.grading import ACCOUNT, Mistake, call, failed, first_mistake, passed

Due = Callable[[int, int, int | None], Any]


_SNAPSHOT_EVERY = 5
"""The interval of the real Bank that check_snapshot_due compares the answer with."""


def _due_hint(before: int, after: int, every: int | None, expected: bool) -> str:
    """Why esbank's answer for one append is what it is, as a hint."""
    if every is None:
        return "every=None means the bank takes no snapshots at all: return False."
    if after == before:
        return "an append that adds no event cannot cross a multiple: return False."
    if expected and after % every != 0:
        crossed = (after // every) * every
        return (
            f"the batch went from version {before} to {after}, jumping past {crossed} (a "
            f"multiple of {every}) without stopping on it. The stream crossed the multiple, so "
            f"the snapshot is due now, at version {after}. Compare the blocks the two versions "
            "are in: before // every < after // every (a test such as `after % every == 0` "
            "misses this case)."
        )
    if expected:
        return f"the stream reached {after}, a multiple of {every}: a snapshot is due."
    if before % every == 0:
        return (
            f"the stream was already at {before}, a multiple of {every}, before this append; "
            f"the snapshot for {before} was due with the append that reached it. From {before} "
            f"to {after} no new multiple is crossed."
        )
    return (
        f"between {before} and {after} there is no multiple of {every}: both are in the same "
        f"block of {every} versions (before // every == after // every)."
    )


def _bank_snapshots(
    snapshot_due: Callable[[int, int, int | None], Any],
) -> tuple[list[int], list[int]]:
    """Snapshot versions a real ``Bank(snapshot_every=5)`` writes for a script of single
    commands and batches, and those the answer predicts for the same appends."""
    store = memory_store()
    try:
        bank = Bank(store, new_id=SequentialIds(prefix=0x4), snapshot_every=_SNAPSHOT_EVERY)
        account = bank.handle(OpenAccount(ACCOUNT, "Ada", 1_000)).aggregate_id
        # Batch sizes after the opening event: 1 + 3 = 4, 4 + 3 = 7 (jumps past 5), 7 + 3 = 10,
        # 10 + 1 = 11, 11 + 6 = 17 (past 15), 17 + 1 = 18.
        predicted: list[int] = []
        version = 1
        for size in (3, 3, 3, 1, 6, 1):
            batch = [DepositMoney(account, 100) for _ in range(size)]
            if size == 1:
                bank.handle(batch[0])
            else:
                bank.handle_batch(batch)
            if snapshot_due(version, version + size, _SNAPSHOT_EVERY) is True:
                predicted.append(version + size)
            version += size
        written = [int(v) for v in bank.snapshots.frame()["version"]] if bank.snapshots else []
        return written, predicted
    finally:
        store.close()


CASES: list[tuple[int, int, int | None]] = [
    (4, 7, 5),  # a batch jumps past 5: the case that catches `after % every == 0`
    (5, 6, 5),  # starts on a multiple: nothing new is crossed
    (4, 5, 5),
    (0, 1, 1),
    (3, 3, 5),
    (7, 9, None),
    (99, 250, 100),
] + [
    (before, after, every)
    for every in (1, 2, 3, 5, 10)
    for before in range(0, 13)
    for after in range(before, before + 8)
]
"""The appends ``snapshot_due`` is compared with esbank's own rule on, hard cases first."""


def _rule_mistake(snapshot_due: Due) -> Mistake | None:
    """The first case where the answer disagrees with esbank's rule, or None.

    ``NotImplementedError`` goes through: the caller says the answer is still a stub.
    """
    for before, after, every in CASES:
        expected = esbank_due(before, after, every)
        shown = f"snapshot_due({before}, {after}, {every})"
        got, error = call(snapshot_due, before, after, every)
        if error is not None:
            return (
                f"{shown} raised {type(error).__name__}: {error}",
                _due_hint(before, after, every, expected),
            )
        if not isinstance(got, bool):
            return (
                f"{shown} returned {got!r} ({type(got).__name__}).",
                "return True or False (a comparison such as `a < b` is already a bool).",
            )
        if got != expected:
            return (
                f"{shown} returned {got}, expected {expected}.",
                _due_hint(before, after, every, expected),
            )
    return None


def check_snapshot_due(snapshot_due: Due | None) -> bool:
    """Notebook 04, exercise 1: ``snapshot_due(before, after, every)``.

    True when an append that takes a stream from version ``before`` to ``after`` crosses a
    multiple of ``every`` (a batch may jump past it); False when ``every`` is None. Compared
    with esbank's own rule on a grid of cases, then with the snapshots a real Bank writes.
    """
    wrong = first_mistake(
        "snapshot_due",
        snapshot_due,
        _rule_mistake,
        stub_hint="replace the raise: return True when the append from `before` to `after` "
        "passes or reaches a multiple of `every`, and False when every is None.",
    )
    if wrong is not None:
        return wrong
    try:
        written, predicted = _bank_snapshots(snapshot_due)
    except Exception as exc:
        return failed(
            f"replaying a real Bank's appends through snapshot_due raised "
            f"{type(exc).__name__}: {exc}",
            "snapshot_due(before, after, every) must accept any versions after >= before >= 0.",
        )
    if written != predicted:
        return failed(
            f"a real Bank(snapshot_every={_SNAPSHOT_EVERY}) wrote snapshots at versions "
            f"{written}, your function predicts {predicted}.",
            "compare the blocks: before // every < after // every.",
        )
    return passed(
        f"snapshot_due agrees with esbank on {len(CASES)} appends, and predicts the snapshots a "
        f"real Bank(snapshot_every={_SNAPSHOT_EVERY}) wrote at versions {written}: a batch "
        "that jumps past a multiple still takes its snapshot, at the batch's last version."
    )
