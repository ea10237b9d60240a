"""Whether the projector keeps up, said from the rates, and checked against the simulation."""

from __future__ import annotations

import pytest

from esbank.teach.lag import Burst, capacity, simulate_lag


def test_500_writes_against_10_applied_cannot_keep_up_and_grows_without_bound() -> None:
    run = simulate_lag(write_rate=500, throughput=10, duration=20)
    c = capacity(run)
    assert (c.arriving, c.applied, c.verdict) == (501.0, 10.0, "cannot keep up")
    assert c.growth == 491.0
    assert c.text().startswith("The projector cannot keep up: about 501 events/s arrive")
    assert "grows by about 491 events every second, without bound" in c.text()
    t = run.timeline.set_index("time")["lag_events"]
    # what the sentence claims, in the simulation: the backlog grows at the stated rate
    assert 0.9 * 491 * 10 <= t[20.0] - t[10.0] <= 1.1 * 491 * 10


def test_a_projector_with_headroom_keeps_up() -> None:
    c = capacity(simulate_lag(write_rate=50, throughput=200))
    assert c.verdict == "keeps up" and c.growth == 0.0
    assert c.text().startswith("The projector keeps up: about 51 events/s arrive")


def test_exactly_at_capacity_is_not_keeping_up() -> None:
    c = capacity(simulate_lag(write_rate=199, throughput=200, duration=5))
    assert c.verdict == "cannot keep up"
    assert "never drains" in c.text()


def test_only_a_burst_outruns_the_projector() -> None:
    run = simulate_lag(write_rate=100, throughput=200, bursts=[Burst(20, 10, 400)])
    c = capacity(run)
    assert (c.peak, c.verdict) == (501.0, "not during bursts")
    # 301 events/s extra for 10 s, drained at 200 − 101 = 99 events/s: about 30 s
    assert "grows by about 301 events every second of it" in c.text()
    assert "about 30 s to drain" in c.text()


@pytest.mark.parametrize("duplicate_rate", [0.0, 0.25])
def test_duplicates_cost_throughput(duplicate_rate: float) -> None:
    c = capacity(simulate_lag(throughput=250, duplicate_rate=duplicate_rate, duration=5))
    assert c.applied == pytest.approx(250 / (1 + duplicate_rate))
