"""Projection lag, simulated: eventual consistency you can replay with a seed.

:func:`simulate_lag` is a small discrete-event model of one log and one projector.

What it models:

- **writers** append events at ``write_rate`` events/s (a Poisson process), plus extra rate
  during each :class:`Burst`; every event gets the next gap-free position;
- **one user** appends one event of their own in every ``user_every`` seconds (at a random
  moment in it) and reads the read model ``read_after`` seconds later (the page that shows
  the result). Without read-your-own-writes the read is *stale* when the checkpoint is below
  the user's position; with it, the user waits until the checkpoint
  reaches that position, and the model reports the added wait instead;
- **the projector** polls every ``poll_interval`` seconds, takes up to ``batch_size`` events
  after its checkpoint, spends ``n / throughput`` seconds applying them, and only then moves
  its checkpoint (a batch commits as a whole). After a full batch it polls again at once;
- **duplicate delivery** (``duplicate_rate``): an event is delivered a second time in the next
  batch. The projector drops anything at or below its checkpoint, so a duplicate costs
  applying time but changes nothing; ``naive_applied`` counts what a projector without that
  check would have applied;
- **late delivery** (``late_rate``, ``late_delay``): an event becomes readable ``late_delay``
  seconds after it was written. The projector reads in position order without gaps, so a late
  event holds back every event after it.

What it ignores: the cost of a poll that finds nothing, crashes and retries, several
projections or projector instances, read latency, clock skew, and the content of events (only
positions and times matter). Pure: ``random.Random(seed)``, no threads, no sleeps, no clock.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from esbank.domain.arguments import require_int
from esbank.domain.errors import InvalidArgument

TIMELINE_COLUMNS = [
    "time",
    "head",
    "checkpoint",
    "lag_events",
    "lag_seconds",
    "stale_reads",
]
READ_COLUMNS = ["time", "position", "checkpoint", "stale", "wait"]


@dataclass(frozen=True, slots=True)
class Burst:
    """Extra writers: ``rate`` more events/s from ``start`` for ``length`` seconds."""

    start: float
    length: float
    rate: float


@dataclass(frozen=True, slots=True)
class LagSummary:
    """The numbers of one run. Lags are sampled on the timeline; waits are per user read."""

    events_written: int
    applied: int
    final_checkpoint: int
    duplicates_delivered: int
    naive_applied: int
    max_lag_events: int
    p95_lag_events: int
    max_lag_seconds: float
    p95_lag_seconds: float
    alert_seconds: float
    share_over_alert: float
    reads: int
    stale_reads: int
    stale_rate: float
    ryow_mean_wait: float
    ryow_p95_wait: float
    ryow_max_wait: float

    def text(self, *, read_your_writes: bool) -> str:
        """Two plain lines: the lag, then what the user saw in the chosen mode."""
        lag = (
            f"lag: max {self.max_lag_events} events / {self.max_lag_seconds:.2f} s, "
            f"p95 {self.p95_lag_events} events / {self.p95_lag_seconds:.2f} s; "
            f"over the {self.alert_seconds:g} s alert {self.share_over_alert:.0%} of the time"
        )
        if read_your_writes:
            user = (
                f"read-your-own-writes on: 0 stale reads of {self.reads}; added wait "
                f"mean {self.ryow_mean_wait:.2f} s, p95 {self.ryow_p95_wait:.2f} s, "
                f"max {self.ryow_max_wait:.2f} s"
            )
        else:
            user = (
                f"read-your-own-writes off: {self.stale_reads} stale reads of {self.reads} "
                f"({self.stale_rate:.0%})"
            )
        return f"{lag}\n{user}"


@dataclass(frozen=True, eq=False)
class LagRun:
    """A finished simulation: the timeline, every user read, the summary and the settings."""

    timeline: pd.DataFrame
    reads: pd.DataFrame
    summary: LagSummary
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def read_your_writes(self) -> bool:
        """Whether the user waited for their own position before reading."""
        return bool(self.settings.get("read_your_writes", False))


@dataclass(frozen=True, slots=True)
class LagSettings:
    """The settings of one run, checked: what :attr:`LagRun.settings` holds, as a dict."""

    duration: float
    write_rate: float
    throughput: float
    poll_interval: float
    batch_size: int
    bursts: tuple[Burst, ...]
    duplicate_rate: float
    late_rate: float
    late_delay: float
    user_every: float
    read_after: float
    read_your_writes: bool
    alert_seconds: float
    seed: int

    def as_dict(self) -> dict[str, Any]:
        """The settings by name, in the order of the parameters of :func:`simulate_lag`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- validation ---------------------------------------------------------------------------------
def _number(name: str, value: object, *, low: float, inclusive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidArgument(f"{name} must be a number, got {value!r}")
    if value < low or (not inclusive and value == low):
        sign = ">=" if inclusive else ">"
        raise InvalidArgument(f"{name} must be {sign} {low:g}, got {value!r}")
    return float(value)


def _probability(name: str, value: object) -> Any:
    if _number(name, value, low=0) > 1:
        raise InvalidArgument(f"{name} is a probability between 0 and 1, got {value!r}")
    return value


def _bursts(bursts: Sequence[Burst | tuple[float, float, float]]) -> list[Burst]:
    out = []
    for b in bursts:
        burst = b if isinstance(b, Burst) else Burst(*b)
        _number("burst start", burst.start, low=0)
        _number("burst length", burst.length, low=0)
        _number("burst rate", burst.rate, low=0)
        out.append(burst)
    return out


def _settings(given: dict[str, Any]) -> tuple[LagSettings, float]:
    """The arguments of :func:`simulate_lag`, checked (times and rates as floats), and the
    timeline's resolution."""
    strict = {"duration", "throughput", "poll_interval", "user_every", "resolution"}

    def checked(*names: str) -> dict[str, float]:
        return {n: _number(n, given[n], low=0, inclusive=n not in strict) for n in names}

    floats = checked("duration", "write_rate", "throughput", "poll_interval")
    batch_size = require_int("batch_size", given["batch_size"], minimum=1)
    rates = {name: _probability(name, given[name]) for name in ("duplicate_rate", "late_rate")}
    floats |= checked("late_delay", "user_every", "read_after", "alert_seconds", "resolution")
    resolution = floats.pop("resolution")
    settings = LagSettings(
        batch_size=batch_size,
        bursts=tuple(_bursts(given["bursts"])),
        read_your_writes=given["read_your_writes"],
        seed=given["seed"],
        **floats,
        **rates,
    )
    return settings, resolution


def _nearest_rank(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# -- the model ------------------------------------------------------------------------------------
def _write_times(
    rng: random.Random, duration: float, rate: float, bursts: Sequence[Burst]
) -> list[float]:
    """Poisson arrivals with a piecewise-constant rate (restarted at each rate change)."""
    ends = [b.start + b.length for b in bursts]
    edges = sorted({0.0, duration, *(b.start for b in bursts), *ends})
    edges = [e for e in edges if 0.0 <= e <= duration]
    times: list[float] = []
    for lo, hi in itertools.pairwise(edges):
        mid = (lo + hi) / 2
        r = rate + sum(b.rate for b in bursts if b.start <= mid < b.start + b.length)
        if r <= 0:
            continue
        t = lo + rng.expovariate(r)
        while t < hi:
            times.append(t)
            t += rng.expovariate(r)
    return times


@dataclass(frozen=True, slots=True)
class _Log:
    """The log: when each position was written and became readable, which are the user's,
    and which are delivered twice."""

    written: list[float]
    users: list[int]
    visible: list[float]
    duplicated: list[bool]


def _log(rng: random.Random, s: LagSettings) -> _Log:
    """Other writers' events and the user's, in time order, positions 1, 2, 3 ..."""
    writes = [(t, False) for t in _write_times(rng, s.duration, s.write_rate, s.bursts)]
    n_user = math.floor(s.duration / s.user_every + 1e-9)
    writes += [((k + rng.random()) * s.user_every, True) for k in range(n_user)]
    writes.sort()
    written = [t for t, _ in writes]
    users = [i + 1 for i, (_, mine) in enumerate(writes) if mine]
    visible = [t + (s.late_delay if rng.random() < s.late_rate else 0.0) for t in written]
    duplicated = [rng.random() < s.duplicate_rate for _ in written]
    return _Log(written, users, visible, duplicated)


@dataclass(frozen=True, slots=True)
class _Projection:
    """What the projector did: ``commits[k] = (time, checkpoint)``, duplicates delivered, and
    what a projector without the checkpoint check would have applied."""

    commits: list[tuple[float, int]]
    duplicates: int
    naive: int
    times: list[float] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", [t for t, _ in self.commits])

    def checkpoint_at(self, t: float) -> int:
        """The checkpoint committed at time ``t``."""
        return self.commits[bisect.bisect_right(self.times, t) - 1][1]


def _project(log: _Log, s: LagSettings) -> _Projection:
    """The projector: polls, batches, commits, until the whole log is applied."""
    commits: list[tuple[float, int]] = [(0.0, 0)]
    checkpoint, now, redeliver, duplicates, naive = 0, 0.0, 0, 0, 0
    head_total = len(log.written)
    while checkpoint < head_total:
        n = 0
        while (
            n < s.batch_size and checkpoint + n < head_total and log.visible[checkpoint + n] <= now
        ):
            n += 1
        if n == 0:
            now += s.poll_interval
            continue
        delivered = n + redeliver
        redeliver = sum(log.duplicated[checkpoint : checkpoint + n])
        duplicates += redeliver
        naive += delivered
        start = now
        now += delivered / s.throughput
        checkpoint += n
        commits.append((now, checkpoint))
        if n < s.batch_size:
            now = max(now, start + s.poll_interval)
    return _Projection(commits, duplicates, naive + redeliver)  # the last redeliveries too


def _reads(
    log: _Log, projection: _Projection, read_after: float
) -> tuple[pd.DataFrame, list[float]]:
    """The user's reads, ``read_after`` seconds after each of their writes, and the times of
    the stale ones."""
    rows = []
    for pos in log.users:
        t = log.written[pos - 1] + read_after
        seen = projection.checkpoint_at(t)
        caught_up = next(ct for ct, cp in projection.commits if cp >= pos)
        rows.append((round(t, 6), pos, seen, seen < pos, round(max(0.0, caught_up - t), 6)))
    return pd.DataFrame(rows, columns=READ_COLUMNS), [r[0] for r in rows if r[3]]


def _timeline(
    log: _Log, projection: _Projection, stale_times: list[float], s: LagSettings, step: float
) -> pd.DataFrame:
    """Head, checkpoint, lag and stale reads so far, sampled every ``step`` seconds."""
    rows = []
    for k in range(math.floor(s.duration / step + 1e-9) + 1):
        t = round(k * step, 6)
        head = bisect.bisect_right(log.written, t)
        cp = projection.checkpoint_at(t)
        age = t - log.written[cp] if head > cp else 0.0
        stale_so_far = 0 if s.read_your_writes else bisect.bisect_right(stale_times, t)
        rows.append((t, head, cp, head - cp, round(age, 6), stale_so_far))
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)


def _summary(
    log: _Log,
    projection: _Projection,
    timeline: pd.DataFrame,
    reads: pd.DataFrame,
    stale: int,
    alert_seconds: float,
) -> LagSummary:
    """The numbers of one run: lags sampled on the timeline, waits per user read."""
    lag_events = timeline["lag_events"].tolist()
    lag_seconds = timeline["lag_seconds"].tolist()
    waits = reads["wait"].tolist()
    n_reads = len(reads)
    checkpoint = projection.commits[-1][1]
    return LagSummary(
        events_written=len(log.written),
        applied=checkpoint,
        final_checkpoint=checkpoint,
        duplicates_delivered=projection.duplicates,
        naive_applied=projection.naive,
        max_lag_events=int(max(lag_events)),
        p95_lag_events=int(_nearest_rank(lag_events, 0.95)),
        max_lag_seconds=round(float(max(lag_seconds)), 6),
        p95_lag_seconds=round(float(_nearest_rank(lag_seconds, 0.95)), 6),
        alert_seconds=alert_seconds,
        share_over_alert=sum(s > alert_seconds for s in lag_seconds) / len(lag_seconds),
        reads=n_reads,
        stale_reads=stale,
        stale_rate=stale / n_reads if n_reads else 0.0,
        ryow_mean_wait=round(sum(waits) / n_reads, 6) if n_reads else 0.0,
        ryow_p95_wait=round(float(_nearest_rank(waits, 0.95)), 6),
        ryow_max_wait=round(float(max(waits, default=0.0)), 6),
    )


def simulate_lag(
    *,
    duration: float = 60.0,
    write_rate: float = 50.0,
    throughput: float = 200.0,
    poll_interval: float = 0.5,
    batch_size: int = 100,
    bursts: Sequence[Burst | tuple[float, float, float]] = (),
    duplicate_rate: float = 0.0,
    late_rate: float = 0.0,
    late_delay: float = 1.0,
    user_every: float = 1.0,
    read_after: float = 0.2,
    read_your_writes: bool = False,
    alert_seconds: float = 2.0,
    resolution: float = 0.1,
    seed: int = 0,
) -> LagRun:
    """Run the model for ``duration`` seconds of writes, then let the projector drain the log.

    Rates are events/s, times seconds. Returns the timeline sampled every ``resolution``
    seconds up to ``duration``, every user read, and a :class:`LagSummary`.
    """
    settings, step = _settings(locals())  # every argument above, by name
    log = _log(random.Random(seed), settings)
    projection = _project(log, settings)
    reads, stale_times = _reads(log, projection, settings.read_after)
    timeline = _timeline(log, projection, stale_times, settings, step)
    summary = _summary(log, projection, timeline, reads, len(stale_times), settings.alert_seconds)
    return LagRun(timeline, reads, summary, settings.as_dict())
