"""Can the projector keep up? Events arriving per second against events it can apply.

The lag simulation shows lag over one minute; this module says what happens after it. In the
model of :func:`~esbank.teach.lag.simulation.simulate_lag` a projector with a backlog takes
full batches one after another, so it applies at most ``throughput`` events per second (less
when duplicates are delivered: each one costs the time of an event). When events arrive faster
than that, the backlog grows by the difference every second, without bound: no poll interval
or batch size fixes it, only more throughput or fewer writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from esbank.teach.lag.simulation import Burst, LagRun

Verdict = Literal["keeps up", "not during bursts", "cannot keep up"]


@dataclass(frozen=True, slots=True)
class Capacity:
    """Events arriving per second (steady, and in the heaviest burst) against the most the
    projector applies per second."""

    arriving: float
    """Writers plus the one user, outside bursts (events/s)."""
    peak: float
    """Arriving during the heaviest burst (events/s); ``arriving`` when there is none."""
    applied: float
    """The most the projector applies per second: ``throughput / (1 + duplicate_rate)``."""
    burst_length: float
    """How long the heaviest burst lasts (s); 0 when there is none."""

    @property
    def verdict(self) -> Verdict:
        """``keeps up``, ``not during bursts`` (only a burst outruns it) or ``cannot keep up``."""
        if self.arriving >= self.applied:
            return "cannot keep up"
        return "keeps up" if self.peak < self.applied else "not during bursts"

    @property
    def growth(self) -> float:
        """Events the backlog grows by per second in steady traffic (0 when it keeps up)."""
        return max(0.0, self.arriving - self.applied)

    def text(self) -> str:
        """The verdict in one plain sentence, with the numbers behind it."""
        flow = (
            f"about {self.arriving:,.0f} events/s arrive and the projector applies at most "
            f"{self.applied:,.0f} events/s"
        )
        if self.verdict == "cannot keep up":
            grows = (
                f"grows by about {self.growth:,.0f} events every second"
                if self.growth >= 1
                else "never drains and drifts upward"
            )
            return (
                f"The projector cannot keep up: {flow}. The backlog {grows}, without bound, "
                "for as long as writes come this fast: the lag only grows (the numbers below "
                "are only where it stood when the simulation ended). No poll interval or batch "
                "size fixes this; more throughput or fewer writes does."
            )
        if self.verdict == "not during bursts":
            extra = self.peak - self.applied
            drain = self.burst_length * extra / (self.applied - self.arriving)
            return (
                f"The projector keeps up on average ({flow}) but not during the burst of "
                f"{self.peak:,.0f} events/s: the backlog grows by about {extra:,.0f} events "
                f"every second of it, and takes about {drain:,.0f} s to drain afterwards."
            )
        return (
            f"The projector keeps up: {flow}, so every backlog drains and the lag stays "
            "bounded (the closer the two rates, the larger it gets)."
        )


def _heaviest(bursts: tuple[Burst, ...]) -> Burst | None:
    return max(bursts, key=lambda b: (b.rate, b.length), default=None)


def capacity(run: LagRun) -> Capacity:
    """The arrival and apply rates of ``run``'s settings (see the module docstring)."""
    s = run.settings
    arriving = float(s["write_rate"]) + 1.0 / float(s["user_every"])
    heaviest = _heaviest(tuple(s["bursts"]))
    peak = arriving + (heaviest.rate if heaviest else 0.0)
    applied = float(s["throughput"]) / (1.0 + float(s["duplicate_rate"]))
    return Capacity(arriving, peak, applied, heaviest.length if heaviest else 0.0)
