"""The lag simulation keeps its invariants and answers its settings as the model says."""

from __future__ import annotations

import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.lag import Burst, simulate_lag

SETTINGS = [
    {},
    {"write_rate": 250.0},
    {"bursts": [Burst(20, 10, 400)]},
    {"duplicate_rate": 0.2, "late_rate": 0.05},
    {"write_rate": 5.0, "poll_interval": 2.0, "batch_size": 3},
]


@pytest.mark.parametrize("kwargs", SETTINGS)
def test_checkpoint_never_passes_the_head_nor_goes_back(kwargs: dict) -> None:
    t = simulate_lag(**kwargs).timeline
    assert (t["checkpoint"] <= t["head"]).all()
    assert t["checkpoint"].is_monotonic_increasing
    assert t["head"].is_monotonic_increasing
    assert (t["lag_events"] == t["head"] - t["checkpoint"]).all()
    assert ((t["lag_events"] == 0) == (t["lag_seconds"] == 0)).all()
    assert (t["lag_seconds"] >= 0).all()


def test_a_fast_projector_with_short_polls_keeps_lag_bounded() -> None:
    run = simulate_lag(write_rate=50, throughput=500, poll_interval=0.2, duration=120)
    assert run.summary.max_lag_seconds < 0.5
    late = run.timeline[run.timeline["time"] > 60]
    assert late["lag_events"].max() < 40


def test_a_slow_projector_falls_further_behind() -> None:
    run = simulate_lag(write_rate=200, throughput=100, duration=60)
    t = run.timeline
    assert t[t["time"] == 60]["lag_events"].iloc[0] > 4 * t[t["time"] == 10]["lag_events"].iloc[0]
    assert run.summary.share_over_alert > 0.5


def test_duplicates_never_change_the_final_checkpoint_or_count() -> None:
    clean = simulate_lag(seed=3).summary
    noisy = simulate_lag(seed=3, duplicate_rate=0.3).summary
    assert noisy.duplicates_delivered > 0
    assert noisy.final_checkpoint == clean.final_checkpoint == clean.events_written
    assert noisy.applied == clean.applied
    assert noisy.naive_applied == noisy.applied + noisy.duplicates_delivered


def test_read_your_own_writes_means_no_stale_reads_but_a_wait() -> None:
    off = simulate_lag(write_rate=150, throughput=160, read_your_writes=False)
    on = simulate_lag(write_rate=150, throughput=160, read_your_writes=True)
    assert off.summary.stale_reads > 0
    assert on.timeline["stale_reads"].max() == 0
    assert on.summary.ryow_max_wait > 0
    assert off.timeline["stale_reads"].is_monotonic_increasing
    stale = off.reads[off.reads["stale"]]
    assert (stale["wait"] > 0).all() and (stale["checkpoint"] < stale["position"]).all()


def test_a_burst_raises_the_lag_and_late_events_hold_the_checkpoint() -> None:
    quiet = simulate_lag().summary
    assert simulate_lag(bursts=[(20, 10, 400)]).summary.max_lag_seconds > 5 * quiet.max_lag_seconds
    assert simulate_lag(late_rate=0.1, late_delay=3).summary.max_lag_seconds >= 3


def test_same_seed_same_run_other_seed_other_run() -> None:
    a, b = simulate_lag(seed=7, duplicate_rate=0.1), simulate_lag(seed=7, duplicate_rate=0.1)
    assert a.timeline.equals(b.timeline) and a.reads.equals(b.reads) and a.summary == b.summary
    assert not simulate_lag(seed=8).timeline.equals(a.timeline)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"throughput": 0}, "throughput must be > 0"),
        ({"batch_size": 0}, "batch_size must be an int >= 1"),
        ({"duplicate_rate": 2}, "probability"),
        ({"poll_interval": "1"}, "poll_interval must be a number"),
    ],
)
def test_bad_settings_say_what_is_wrong(kwargs: dict, fragment: str) -> None:
    with pytest.raises(InvalidArgument, match=fragment):
        simulate_lag(**kwargs)


def test_settings_are_kept_by_name_in_the_order_of_the_arguments() -> None:
    run = simulate_lag(bursts=[(1, 2, 3)], duplicate_rate=0.1, read_your_writes=True)
    assert list(run.settings) == [
        "duration", "write_rate", "throughput", "poll_interval", "batch_size", "bursts",
        "duplicate_rate", "late_rate", "late_delay", "user_every", "read_after",
        "read_your_writes", "alert_seconds", "seed",
    ]  # fmt: skip
    assert run.settings["bursts"] == (Burst(1, 2, 3),)
    assert run.read_your_writes is True


def test_a_run_shorter_than_one_user_period_has_no_reads() -> None:
    run = simulate_lag(duration=0.5, user_every=1.0)
    assert run.summary.reads == 0 and run.summary.stale_rate == 0.0
