"""The lag simulation keeps its invariants, the lag panel reacts to its controls, and the
notebook 07 exercise check passes the solution and rejects wrong answers."""

from __future__ import annotations

import runpy
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.checks import check_lag_metrics
from esbank.teach.lag_sim import PANEL_CLASS, Burst, LagPanel, lag_panel, plot_lag, simulate_lag

SOLUTION = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "07_exercise_1.py"
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


def test_chart_labels_units_and_states_the_finding() -> None:
    run = simulate_lag(bursts=[(20, 10, 400)])
    fig = plot_lag(run)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time (s)" and "seconds" in ax.get_ylabel()
    assert "alert" in ax.get_title() and "peaks at" in ax.get_title()
    assert "events" in plot_lag(run, metric="events").axes[0].get_ylabel()


# -- the panel ------------------------------------------------------------------------------------
def test_panel_has_stable_classes_and_a_placeholder_text() -> None:
    panel = lag_panel()
    assert isinstance(panel, LagPanel)
    assert PANEL_CLASS == "esbank-lag" and PANEL_CLASS in panel.widget._dom_classes
    assert f"{PANEL_CLASS}-write-rate" in panel.write_rate._dom_classes
    assert "write rate" in panel.write_rate.description
    assert isinstance(panel.chart, widgets.Image) and panel.chart.value[:4] == b"\x89PNG"
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Lag panel (run the cell in Jupyter to use it)"


def test_panel_reacts_to_sliders_and_the_toggle() -> None:
    panel = lag_panel()
    chart, numbers = panel.chart.value, panel.numbers.value
    panel.write_rate.value = 300
    assert panel.chart.value != chart and panel.numbers.value != numbers
    assert "stale reads of" in panel.numbers.value
    panel.read_your_writes.value = True
    assert "<b>0</b> stale reads" in panel.numbers.value
    assert "waited up to" in panel.snapshot_html()
    assert panel.snapshot_html().startswith(f'<div class="{PANEL_CLASS}-snapshot">')
    panel.throughput.value = 1_000
    panel.poll_interval.value = 0.1
    assert "0 stale reads" in panel.summary()


# -- the exercise check ---------------------------------------------------------------------------
def test_check_passes_the_solution(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_lag_metrics(runpy.run_path(str(SOLUTION))["lag_metrics"]) is True
    assert capsys.readouterr().out.startswith("✅")


def _newest_age(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    head = max((p for p, _ in log), default=0)
    unapplied = [r for p, r in log if p > checkpoint]
    seconds = (now - max(unapplied)).total_seconds() if unapplied else 0.0
    return head - checkpoint, seconds, head - checkpoint <= threshold


def _strict(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    behind, seconds, _ = runpy.run_path(str(SOLUTION))["lag_metrics"](
        log, checkpoint, now, threshold
    )
    return behind, seconds, behind < threshold


def _stub(log: list, checkpoint: int, now: datetime, threshold: int) -> tuple:
    raise NotImplementedError


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "not defined yet"),
        (_stub, "NotImplementedError"),
        (_newest_age, "OLDEST"),
        (_strict, "<="),
        (lambda *args: 3, "tuple of three"),
    ],
)
def test_check_rejects_wrong_answers(
    answer: object, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_lag_metrics(answer) is False  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert out.startswith("❌") and fragment in out
