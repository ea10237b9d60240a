"""How often appends conflict, against writers per aggregate: a small discrete-event model.

:func:`simulate_conflict_run` is the race of :mod:`esbank.teach.race` at scale, with luck
deciding whose step comes next; :func:`conflict_rates` tabulates it for the chart "conflict
rate against writers per aggregate". Pure: ``random.Random(seed)``, no store, no clock.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from esbank.domain.arguments import require_int

RATE_COLUMNS = ["writers", "accepted", "appends", "conflicts", "conflict_rate"]


@dataclass(frozen=True, slots=True)
class ConflictRun:
    """The outcome of one simulated run: how many appends were tried and how many conflicted.

    ``trace`` lists every step as ``(writer, action)`` with ``action`` ``"load"`` or
    ``"append"``, so the run can be replayed on a real store.
    """

    writers: int
    accepted: int
    appends: int
    conflicts: int
    trace: tuple[tuple[int, str], ...] = field(repr=False)

    @property
    def conflict_rate(self) -> float:
        """The fraction of appends refused with a conflict (0.0 when nothing was appended)."""
        return self.conflicts / self.appends if self.appends else 0.0


def simulate_conflict_run(writers_per_aggregate: int, commands: int, seed: int) -> ConflictRun:
    """Simulate ``writers_per_aggregate`` writers on one aggregate until ``commands`` succeed.

    The model (a tiny discrete-event simulation, the same for every aggregate):

    - Every writer loops forever: *load* (note the stream's version), then *append* at that
      expected version. ``decide`` is pure and instant, so it is part of the append step, and
      every command is a deposit that no rule refuses.
    - Time moves in steps. At each step one writer, chosen uniformly at random by
      ``random.Random(seed)``, takes its next step: all writers are equally fast, and whose
      step comes next is luck.
    - An append conflicts exactly when another writer appended since this writer's load (the
      store's expected-version rule; a test replays a trace on a real ``DuckDBEventStore`` and
      counts the same conflicts). After a conflict the writer loads again, with no limit on
      retries and no back-off.

    What it ignores: real durations (a load and an append take one step each; on DuckDB an
    append costs five to ten loads), think time between commands (every writer always has work,
    so this is the saturated worst case; a quiet account rarely sees two commands inside one
    load-to-append window), back-off and retry limits, and other aggregates (writers on
    different streams never conflict, which is why only writers *per aggregate* count).
    """
    require_int("writers_per_aggregate", writers_per_aggregate, minimum=1)
    require_int("commands", commands, minimum=1)
    rng = random.Random(seed)
    version = 0
    seen: list[int | None] = [None] * writers_per_aggregate  # None: the next step is a load
    accepted = appends = conflicts = 0
    trace: list[tuple[int, str]] = []
    while accepted < commands:
        writer = rng.randrange(writers_per_aggregate)
        loaded = seen[writer]
        if loaded is None:
            seen[writer] = version
            trace.append((writer, "load"))
            continue
        appends += 1
        trace.append((writer, "append"))
        if loaded == version:
            version += 1
            accepted += 1
        else:
            conflicts += 1
        seen[writer] = None
    return ConflictRun(writers_per_aggregate, accepted, appends, conflicts, tuple(trace))


def simulate_conflicts(writers_per_aggregate: int, commands: int = 2_000, seed: int = 0) -> float:
    """The fraction of appends that hit a conflict with ``writers_per_aggregate`` writers.

    See :func:`simulate_conflict_run` for the model, and what it leaves out.
    """
    return simulate_conflict_run(writers_per_aggregate, commands, seed).conflict_rate


def conflict_rates(writers: Sequence[int], *, commands: int = 2_000, seed: int = 0) -> pd.DataFrame:
    """One simulated run per number of writers per aggregate, as a table (same seed for each)."""
    runs = [simulate_conflict_run(w, commands, seed) for w in writers]
    rows = [(r.writers, r.accepted, r.appends, r.conflicts, r.conflict_rate) for r in runs]
    return pd.DataFrame(rows, columns=RATE_COLUMNS).astype(
        {"writers": "int64", "accepted": "int64", "appends": "int64", "conflicts": "int64"}
    )
