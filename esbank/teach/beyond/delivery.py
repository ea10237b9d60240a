"""Delivery guarantees side by side (notebook 11): the same log, the same crash, three relays.

A relay reads the log through a ``Subscription`` and publishes each batch to an ``Outside``:

- **at most once**: the checkpoint moves first (``deliver`` with a handler that only keeps the
  batch), then the messages go out: a crash in between loses the rest of the batch;
- **at least once**: the messages go out, then the checkpoint moves (``deliver``): a crash in
  between sends part of the batch again;
- **effectively once**: at least once, and the consumer keeps an ``Inbox``: the repeats reach
  the consumer and are skipped there.

When the relay dies (``Crash``) a new one starts under the same worker name, so it takes its
own lease back at once, and carries on from the checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Literal, get_args

import pandas as pd

from esbank.app.subscriptions import Subscription
from esbank.domain.arguments import require_int
from esbank.domain.errors import InvalidArgument
from esbank.eventstore.protocol import SqlStore
from esbank.eventstore.types import RecordedEvent
from esbank.teach.beyond.outside import Crash, Outside
from esbank.teach.determinism import StepClock

Mode = Literal["at most once", "at least once", "effectively once"]
MODES: tuple[Mode, ...] = get_args(Mode)
MAX_RESTARTS = 100


def require_mode(mode: object) -> Mode:
    """``mode`` if it is one of ``MODES``; ``InvalidArgument`` otherwise."""
    if mode not in MODES:
        raise InvalidArgument(f"mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    return mode  # type: ignore[return-value]


def relay_batch(subscription: Subscription, outside: Outside, mode: Mode) -> int:
    """Hand the next batch of the log to ``outside`` the way ``mode`` does; returns how many
    events the batch held (0 when the relay has caught up)."""
    if require_mode(mode) == "at most once":
        batch: list[RecordedEvent] = []
        taken = subscription.deliver(batch.extend)  # the checkpoint moves first …
        outside.publish(batch)  # … then the messages go out
        return taken
    return subscription.deliver(outside.publish)  # out first, then the checkpoint


def relay(
    store: SqlStore,
    outside: Outside,
    mode: Mode,
    *,
    name: str = "relay",
    batch_size: int = 4,
) -> int:
    """Relay the whole log to ``outside``, restarting after every crash; returns how many
    times the relay died on the way."""
    require_mode(mode)
    clock = StepClock(step=timedelta(seconds=1))  # the lease's clock
    for restarts in range(MAX_RESTARTS):
        subscription = Subscription(store, name, batch_size=batch_size, owner=name, clock=clock)
        try:
            while relay_batch(subscription, outside, mode):
                pass
        except Crash:
            continue  # the process died: a new one starts from the checkpoint
        subscription.release()
        return restarts
    raise InvalidArgument(
        f"the relay died {MAX_RESTARTS} times before it caught up; give Outside fewer crash "
        "points (crash_at)"
    )


def compare_guarantees(
    store: SqlStore,
    *,
    crash_at: Iterable[int] = (6,),
    batch_size: int = 4,
    name: str = "relay",
) -> pd.DataFrame:
    """Relay ``store``'s log once per mode (subscriptions ``<name> (<mode>)``, from the
    start), each relay dying right after the messages numbered ``crash_at``; one row per
    mode: delivered, lost, duplicated and applied."""
    crashes = tuple(crash_at)
    require_int("batch_size", batch_size, minimum=1)
    log = store.read_all()
    rows = []
    for mode in MODES:
        outside = Outside(inbox=mode == "effectively once", crash_at=crashes)
        restarts = relay(store, outside, mode, name=f"{name} ({mode})", batch_size=batch_size)
        rows.append({"mode": mode, "crashes": restarts, **outside.report(log)})
    return pd.DataFrame(rows).set_index("mode")
