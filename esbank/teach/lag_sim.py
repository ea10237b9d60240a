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
import html
import io
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import ipywidgets as widgets
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from esbank.domain.errors import InvalidArgument

PANEL_CLASS = "esbank-lag"
TIMELINE_COLUMNS = [
    "time",
    "head",
    "checkpoint",
    "lag_events",
    "lag_seconds",
    "stale_reads",
]
READ_COLUMNS = ["time", "position", "checkpoint", "stale", "wait"]
Metric = Literal["seconds", "events"]


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
        return bool(self.settings.get("read_your_writes", False))


# -- validation ---------------------------------------------------------------------------------
def _number(name: str, value: object, *, low: float, inclusive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidArgument(f"{name} must be a number, got {value!r}")
    if value < low or (not inclusive and value == low):
        sign = ">=" if inclusive else ">"
        raise InvalidArgument(f"{name} must be {sign} {low:g}, got {value!r}")
    return float(value)


def _bursts(bursts: Sequence[Burst | tuple[float, float, float]]) -> list[Burst]:
    out = []
    for b in bursts:
        burst = b if isinstance(b, Burst) else Burst(*b)
        _number("burst start", burst.start, low=0)
        _number("burst length", burst.length, low=0)
        _number("burst rate", burst.rate, low=0)
        out.append(burst)
    return out


def _nearest_rank(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# -- the model ------------------------------------------------------------------------------------
def _write_times(
    rng: random.Random, duration: float, rate: float, bursts: list[Burst]
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
    duration = _number("duration", duration, low=0, inclusive=False)
    write_rate = _number("write_rate", write_rate, low=0)
    throughput = _number("throughput", throughput, low=0, inclusive=False)
    poll_interval = _number("poll_interval", poll_interval, low=0, inclusive=False)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidArgument(f"batch_size must be an int >= 1, got {batch_size!r}")
    for name, p in (("duplicate_rate", duplicate_rate), ("late_rate", late_rate)):
        if _number(name, p, low=0) > 1:
            raise InvalidArgument(f"{name} is a probability between 0 and 1, got {p!r}")
    late_delay = _number("late_delay", late_delay, low=0)
    user_every = _number("user_every", user_every, low=0, inclusive=False)
    read_after = _number("read_after", read_after, low=0)
    alert_seconds = _number("alert_seconds", alert_seconds, low=0)
    resolution = _number("resolution", resolution, low=0, inclusive=False)
    burst_list = _bursts(bursts)
    rng = random.Random(seed)

    # 1. The log: other writers' events and the user's, in time order, positions 1, 2, 3 ...
    writes = [(t, False) for t in _write_times(rng, duration, write_rate, burst_list)]
    n_user = math.floor(duration / user_every + 1e-9)
    writes += [((k + rng.random()) * user_every, True) for k in range(n_user)]
    writes.sort()
    written = [t for t, _ in writes]
    users = [i + 1 for i, (_, mine) in enumerate(writes) if mine]
    visible = [t + (late_delay if rng.random() < late_rate else 0.0) for t in written]
    duplicated = [rng.random() < duplicate_rate for _ in written]
    head_total = len(written)

    # 2. The projector: polls, batches, commits. commits[k] = (time, checkpoint).
    commits: list[tuple[float, int]] = [(0.0, 0)]
    checkpoint, now, redeliver = 0, 0.0, 0
    duplicates = 0
    naive = 0
    while checkpoint < head_total:
        n = 0
        while (
            n < batch_size
            and checkpoint + n < head_total
            and visible[checkpoint + n] <= now
        ):
            n += 1
        delivered = n + redeliver
        if n == 0:
            now += poll_interval
            continue
        dupes_next = sum(duplicated[checkpoint : checkpoint + n])
        duplicates += dupes_next
        naive += delivered
        start = now
        now += delivered / throughput
        checkpoint += n
        commits.append((now, checkpoint))
        redeliver = dupes_next
        if n < batch_size:
            now = max(now, start + poll_interval)
    naive += redeliver  # the last redeliveries arrive at the next poll
    commit_times = [t for t, _ in commits]

    def checkpoint_at(t: float) -> int:
        return commits[bisect.bisect_right(commit_times, t) - 1][1]

    # 3. The user's reads, right after each of their writes.
    read_rows = []
    for pos in users:
        t = written[pos - 1] + read_after
        seen = checkpoint_at(t)
        stale = seen < pos
        caught_up = next(ct for ct, cp in commits if cp >= pos)
        read_rows.append((round(t, 6), pos, seen, stale, round(max(0.0, caught_up - t), 6)))
    reads = pd.DataFrame(read_rows, columns=READ_COLUMNS)
    stale_times = [r[0] for r in read_rows if r[3]]

    # 4. The timeline, sampled.
    rows = []
    steps = math.floor(duration / resolution + 1e-9)
    for k in range(steps + 1):
        t = round(k * resolution, 6)
        head = bisect.bisect_right(written, t)
        cp = checkpoint_at(t)
        age = t - written[cp] if head > cp else 0.0
        stale_so_far = 0 if read_your_writes else bisect.bisect_right(stale_times, t)
        rows.append((t, head, cp, head - cp, round(age, 6), stale_so_far))
    timeline = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)

    lag_events = timeline["lag_events"].tolist()
    lag_seconds = timeline["lag_seconds"].tolist()
    waits = reads["wait"].tolist()
    n_reads = len(read_rows)
    summary = LagSummary(
        events_written=head_total,
        applied=checkpoint,
        final_checkpoint=checkpoint,
        duplicates_delivered=duplicates,
        naive_applied=naive,
        max_lag_events=int(max(lag_events)),
        p95_lag_events=int(_nearest_rank(lag_events, 0.95)),
        max_lag_seconds=round(float(max(lag_seconds)), 6),
        p95_lag_seconds=round(float(_nearest_rank(lag_seconds, 0.95)), 6),
        alert_seconds=alert_seconds,
        share_over_alert=sum(s > alert_seconds for s in lag_seconds) / len(lag_seconds),
        reads=n_reads,
        stale_reads=len(stale_times),
        stale_rate=len(stale_times) / n_reads if n_reads else 0.0,
        ryow_mean_wait=round(sum(waits) / n_reads, 6) if n_reads else 0.0,
        ryow_p95_wait=round(float(_nearest_rank(waits, 0.95)), 6),
        ryow_max_wait=round(float(max(waits, default=0.0)), 6),
    )
    settings = {
        "duration": duration,
        "write_rate": write_rate,
        "throughput": throughput,
        "poll_interval": poll_interval,
        "batch_size": batch_size,
        "bursts": tuple(burst_list),
        "duplicate_rate": duplicate_rate,
        "late_rate": late_rate,
        "late_delay": late_delay,
        "user_every": user_every,
        "read_after": read_after,
        "read_your_writes": read_your_writes,
        "alert_seconds": alert_seconds,
        "seed": seed,
    }
    return LagRun(timeline, reads, summary, settings)


# -- the chart ------------------------------------------------------------------------------------
def lag_title(run: LagRun) -> str:
    """A title that states the finding: the peak lag against the alert threshold."""
    s = run.summary
    if s.max_lag_seconds <= s.alert_seconds:
        return (
            f"Lag peaks at {s.max_lag_seconds:.1f} s: it never reaches the "
            f"{s.alert_seconds:g} s alert"
        )
    return (
        f"Lag peaks at {s.max_lag_seconds:.1f} s and stays over the {s.alert_seconds:g} s "
        f"alert {s.share_over_alert:.0%} of the time"
    )


def plot_lag(
    run: LagRun,
    *,
    metric: Metric = "seconds",
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Lag over time (seconds or events behind), the alert line, and bursts shaded."""
    if not isinstance(run, LagRun):
        raise InvalidArgument(f"run must be a LagRun from simulate_lag, got {type(run).__name__}")
    if metric not in ("seconds", "events"):
        raise InvalidArgument(f"metric must be 'seconds' or 'events', got {metric!r}")
    if ax is None:
        fig = Figure(figsize=(8, 3.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = cast(Figure, ax.figure)
    t = run.timeline
    column = "lag_seconds" if metric == "seconds" else "lag_events"
    ax.plot(t["time"], t[column], color="tab:blue", linewidth=1.2, label="projection lag")
    if metric == "seconds":
        ax.axhline(
            run.summary.alert_seconds,
            color="tab:red",
            linestyle="--",
            label=f"alert at {run.summary.alert_seconds:g} s",
        )
        ax.set_ylabel("lag (seconds behind)")
    else:
        ax.set_ylabel("lag (events behind)")
    for i, burst in enumerate(run.settings.get("bursts", ())):
        ax.axvspan(
            burst.start,
            burst.start + burst.length,
            color="tab:orange",
            alpha=0.15,
            label="burst" if i == 0 else None,
        )
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, float(t["time"].iloc[-1]))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title if title is not None else lag_title(run), fontsize=10)
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


# -- the panel ------------------------------------------------------------------------------------
def summary_html(run: LagRun) -> str:
    """The panel's numbers as a small HTML block."""
    s = run.summary
    mode = "on" if run.read_your_writes else "off"
    if run.read_your_writes:
        reads = (
            f"<b>0</b> stale reads of {s.reads}; waited up to <b>{s.ryow_max_wait:.2f} s</b> "
            f"(p95 {s.ryow_p95_wait:.2f} s)"
        )
    else:
        reads = f"<b>{s.stale_reads}</b> stale reads of {s.reads} ({s.stale_rate:.0%})"
    return (
        f'<div class="{PANEL_CLASS}-summary">'
        f"<div>max lag: <b>{s.max_lag_seconds:.2f} s</b> / <b>{s.max_lag_events}</b> events "
        f"behind (p95 {s.p95_lag_seconds:.2f} s)</div>"
        f"<div>read-your-own-writes {html.escape(mode)}: {reads}</div></div>"
    )


@dataclass(frozen=True, eq=False, repr=False)
class LagPanel:
    """The widgets of one lag panel; display ``.widget`` (or the panel itself)."""

    write_rate: widgets.IntSlider
    throughput: widgets.IntSlider
    poll_interval: widgets.FloatSlider
    batch_size: widgets.IntSlider
    read_your_writes: widgets.Checkbox
    numbers: widgets.HTML
    chart: widgets.Image
    widget: widgets.VBox
    options: dict[str, Any]

    def run(self) -> LagRun:
        """The simulation for the widgets' current values."""
        return simulate_lag(
            write_rate=self.write_rate.value,
            throughput=self.throughput.value,
            poll_interval=self.poll_interval.value,
            batch_size=self.batch_size.value,
            read_your_writes=self.read_your_writes.value,
            **self.options,
        )

    def summary(self) -> str:
        """One plain-text summary of the current values."""
        r = self.run()
        return (
            f"{self.write_rate.value} events/s in, {self.throughput.value} events/s applied, "
            f"poll every {self.poll_interval.value:g} s, batches of {self.batch_size.value}\n"
            + r.summary.text(read_your_writes=r.read_your_writes)
        )

    def refresh(self) -> None:
        """Re-run the simulation and redraw (writes widget traits only)."""
        r = self.run()
        self.numbers.value = summary_html(r)
        self.chart.value = _png(plot_lag(r))

    def snapshot_html(self) -> str:
        """The panel's numbers as one static HTML block: the panel, frozen."""
        return (
            f'<div class="{PANEL_CLASS}-snapshot">'
            f"<div>{self.write_rate.value} events/s written, {self.throughput.value} events/s "
            f"applied, poll every {self.poll_interval.value:g} s, batches of "
            f"{self.batch_size.value}</div>{summary_html(self.run())}</div>"
        )

    def __repr__(self) -> str:
        return (
            f"LagPanel(write_rate={self.write_rate.value}, throughput={self.throughput.value}, "
            f"poll_interval={self.poll_interval.value}, batch_size={self.batch_size.value}, "
            f"read_your_writes={self.read_your_writes.value})"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Lag panel (run the cell in Jupyter to use it)"
        return data


def lag_panel(
    *,
    write_rate: int = 50,
    throughput: int = 200,
    poll_interval: float = 0.5,
    batch_size: int = 100,
    read_your_writes: bool = False,
    bursts: Sequence[Burst | tuple[float, float, float]] = (),
    duration: float = 60.0,
    seed: int = 0,
) -> LagPanel:
    """Build the panel: four sliders, a read-your-own-writes toggle, the numbers, the chart."""
    options = {"bursts": tuple(_bursts(bursts)), "duration": duration, "seed": seed}
    simulate_lag(
        write_rate=write_rate,
        throughput=throughput,
        poll_interval=poll_interval,
        batch_size=batch_size,
        **options,
    )  # validates the starting values with the simulation's own messages
    style = {"description_width": "16em"}
    wide = widgets.Layout(width="44em")
    common: dict[str, Any] = {"continuous_update": False, "style": style, "layout": wide}
    rate = widgets.IntSlider(
        value=write_rate, min=1, max=500, description="write rate (events/s)", **common
    )
    speed = widgets.IntSlider(
        value=throughput, min=10, max=1_000, step=10,
        description="projector throughput (events/s)", **common,
    )  # fmt: skip
    poll = widgets.FloatSlider(
        value=poll_interval, min=0.1, max=5.0, step=0.1,
        description="poll interval (s)", **common,
    )  # fmt: skip
    batch = widgets.IntSlider(
        value=batch_size, min=1, max=1_000, description="batch size (events)", **common
    )
    ryow = widgets.Checkbox(
        value=read_your_writes, description="read your own writes (wait for my position)",
        indent=False,
    )  # fmt: skip
    numbers = widgets.HTML()
    chart = widgets.Image(format="png")
    for view, css in (
        (rate, "write-rate"),
        (speed, "throughput"),
        (poll, "poll-interval"),
        (batch, "batch-size"),
        (ryow, "ryow"),
        (numbers, "numbers"),
        (chart, "chart"),
    ):
        view.add_class(f"{PANEL_CLASS}-{css}")
    root = widgets.VBox([rate, speed, poll, batch, ryow, numbers, chart])
    root.add_class(PANEL_CLASS)
    panel = LagPanel(rate, speed, poll, batch, ryow, numbers, chart, root, options)
    for control in (rate, speed, poll, batch, ryow):
        control.observe(lambda _change: panel.refresh(), names="value")
    panel.refresh()
    return panel
