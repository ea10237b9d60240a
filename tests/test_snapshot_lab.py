"""The snapshot lab: its model agrees with what ``Bank.load_with_report`` does, its tables
and charts hold the right numbers, the panel reacts to its sliders, and the exercise check
passes the solution and rejects wrong answers."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import ipywidgets as widgets
import pandas as pd
import pytest
from matplotlib.figure import Figure

from esbank import Bank, DepositMoney, DuckDBEventStore, InvalidArgument, OpenAccount
from esbank.teach import SequentialIds, StepClock
from esbank.teach.checks import check_snapshot_due
from esbank.teach.snapshot_lab import (
    COST_COLUMNS,
    PANEL_CLASS,
    TIMING_COLUMNS,
    TRADEOFF_COLUMNS,
    SnapshotPanel,
    fewest_writes_within,
    plot_loads,
    plot_replay_cost,
    plot_tradeoff,
    replay_cost_table,
    replayed_per_load,
    snapshot_panel,
    snapshot_tradeoff,
    time_loads,
    tradeoff,
)

SOLUTIONS = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
ACCOUNT = UUID(int=0xACC)


def bank_grown_one_event_at_a_time(length: int, every: int) -> Bank:
    """A real bank whose single account got its ``length`` events one command at a time."""
    store = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    bank = Bank(store, new_id=SequentialIds(prefix=0xB), snapshot_every=every)
    bank.handle(OpenAccount(ACCOUNT, "Ada", 100))
    for _ in range(length - 1):
        bank.handle(DepositMoney(ACCOUNT, 1))
    return bank


# -- the model against the real Bank -------------------------------------------------------------
@pytest.mark.parametrize(("length", "every"), [(23, 5), (12, 4), (7, 10), (9, 1), (6, 6)])
def test_model_matches_load_with_report_at_every_version(length: int, every: int) -> None:
    bank = bank_grown_one_event_at_a_time(length, every)
    measured = [
        bank.load_with_report(ACCOUNT, as_of_version=v)[1].events_replayed
        for v in range(1, length + 1)
    ]
    assert measured == replayed_per_load(length, every)
    newest = bank.load_with_report(ACCOUNT)[1]
    assert newest.events_replayed == length % every == tradeoff(length, every).latest_replay
    written = list(bank.snapshots.frame()["version"]) if bank.snapshots else []
    assert len(written) == length // every == tradeoff(length, every).snapshot_writes


def test_without_snapshots_a_load_replays_every_event_so_far() -> None:
    assert replayed_per_load(5, None) == [1, 2, 3, 4, 5]
    assert tradeoff(5, None).worst_replay == 5
    assert tradeoff(5, None).mean_replay == 3.0


@pytest.mark.parametrize("length", [1, 2, 7, 99, 100, 101, 1_000])
@pytest.mark.parametrize("every", [1, 2, 3, 10, 100, 2_000])
def test_tradeoff_formulas_match_the_per_load_list(length: int, every: int) -> None:
    loads = replayed_per_load(length, every)
    t = tradeoff(length, every)
    assert t.snapshot_writes == length // every
    assert t.latest_replay == loads[-1] == length % every
    assert t.worst_replay == max(loads)
    assert t.mean_replay == pytest.approx(sum(loads) / length)


def test_snapshot_tradeoff_table() -> None:
    table = snapshot_tradeoff(1_000, [None, 1, 100, 5_000])
    assert list(table.columns) == TRADEOFF_COLUMNS
    assert table["every"].isna().tolist() == [True, False, False, False]
    assert table["snapshot_writes"].tolist() == [0, 1_000, 10, 0]
    assert table["worst_replay"].tolist() == [1_000, 0, 99, 1_000]
    assert table["latest_replay"].tolist() == [1_000, 0, 0, 1_000]
    assert table["mean_replay"].tolist() == [500.5, 0.0, 49.5, 500.5]


def test_fewest_writes_within_a_replay_budget() -> None:
    assert fewest_writes_within(1_000, 99) == 100
    assert fewest_writes_within(1_000, 0) == 1
    assert fewest_writes_within(50, 99) is None  # short stream: no snapshot needed
    for length, budget in [(1_000, 99), (37, 5), (10, 9)]:
        every = fewest_writes_within(length, budget)
        assert every is not None
        assert tradeoff(length, every).worst_replay <= budget
        assert tradeoff(length, every + 1).worst_replay > budget  # one more: over budget


# -- measured tables -----------------------------------------------------------------------------
def test_replay_cost_table_is_measured_and_deterministic() -> None:
    lengths = [1, 40, 99, 100, 101, 250]
    table = replay_cost_table(lengths, 100)
    assert list(table.columns) == COST_COLUMNS
    assert table["stream_length"].tolist() == lengths
    assert table["replayed_without"].tolist() == lengths
    assert table["replayed_with"].tolist() == [1, 40, 99, 0, 1, 50]
    assert table["snapshot_version"].tolist()[3:] == [100, 100, 200]
    assert table["snapshot_version"].isna().tolist()[:3] == [True, True, True]
    pd.testing.assert_frame_equal(table, replay_cost_table(lengths, 100))


def test_replay_cost_table_agrees_with_separate_streams() -> None:
    """Loading as of version L does the work of loading a stream of L events."""
    table = replay_cost_table([7, 13], 5)
    for length, replayed in zip(table["stream_length"], table["replayed_with"], strict=True):
        bank = bank_grown_one_event_at_a_time(int(length), 5)
        assert bank.load_with_report(ACCOUNT)[1].events_replayed == replayed


def test_time_loads_returns_milliseconds() -> None:
    table = time_loads([10, 200], 100, repeats=1)
    assert list(table.columns) == TIMING_COLUMNS
    assert table["stream_length"].tolist() == [10, 200]
    assert (table[["ms_without", "ms_with"]] > 0).all().all()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: replay_cost_table([], 10), "at least one"),
        (lambda: replay_cost_table("100", 10), "list of stream lengths"),
        (lambda: replay_cost_table([10, 0], 10), "stream length must be an int >= 1"),
        (lambda: replay_cost_table([10], 0), "every must be an int >= 1"),
        (lambda: tradeoff(10, True), "every must be an int >= 1"),
        (lambda: replayed_per_load(0, 5), "stream_length must be an int >= 1"),
        (lambda: fewest_writes_within(10, -1), "max_replay must be an int >= 0"),
        (lambda: snapshot_panel(stream_length=9_000), "raise max_length"),
    ],
)
def test_bad_arguments_say_what_to_pass(call: Callable[[], Any], words: str) -> None:
    with pytest.raises(InvalidArgument, match=words):
        call()


def test_charts_draw_the_numbers() -> None:
    table = replay_cost_table([50, 150, 300], 100)
    fig = plot_replay_cost(table, 100)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    without, with_snapshots = ax.lines[0], ax.lines[1]
    assert list(without.get_ydata()) == [50, 150, 300]
    assert list(with_snapshots.get_ydata()) == [50, 50, 0]
    assert "never replays more than 99" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    loads = plot_loads(12, 5).axes[0]
    assert list(loads.lines[1].get_ydata()) == replayed_per_load(12, 5)
    curve = plot_tradeoff(1_000, 100).axes[0]
    assert "10 snapshot rows" in curve.get_title()
    with pytest.raises(InvalidArgument, match="replay_cost_table"):
        plot_replay_cost(pd.DataFrame({"x": [1]}), 10)


# -- the panel -----------------------------------------------------------------------------------
def test_panel_has_stable_classes_and_descriptive_names() -> None:
    panel = snapshot_panel()
    assert isinstance(panel, SnapshotPanel)
    assert PANEL_CLASS in panel.widget._dom_classes
    assert f"{PANEL_CLASS}-every" in panel.every._dom_classes
    assert "N" in panel.every.description
    assert "stream length" in panel.stream_length.description
    assert isinstance(panel.chart, widgets.Image) and panel.chart.value[:4] == b"\x89PNG"
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Snapshot panel (run the cell in Jupyter to use it)"
    assert repr(panel) == "SnapshotPanel(every=100, stream_length=1000)"


def test_panel_reacts_to_the_sliders() -> None:
    panel = snapshot_panel(every=100, stream_length=1_000)
    assert "<td>10</td>" in panel.table.value  # 1000 // 100 snapshot rows
    chart_before = panel.chart.value
    panel.every.value = 20
    assert "<td>50</td>" in panel.table.value  # 1000 // 20
    assert "<td>19</td>" in panel.table.value  # worst load
    assert panel.chart.value != chart_before
    assert panel.summary().startswith("every 20, stream of 1000 events: 50 snapshot rows")
    panel.stream_length.value = 6  # shorter than N: no snapshot at all
    assert panel.tradeoff().snapshot_writes == 0
    assert "0 snapshot rows" in panel.summary()
    assert "at most 6 events" in panel.summary()


def test_panel_snapshot_html_is_the_frozen_table() -> None:
    panel = snapshot_panel(every=100, stream_length=1_000)
    panel.every.value = 250
    frozen = panel.snapshot_html()
    assert f'class="{PANEL_CLASS}-snapshot"' in frozen
    assert "snapshot every 250" in frozen
    assert "<td>4</td>" in frozen  # 1000 // 250
    assert "<img" not in frozen  # text only: strict nbval compares it


# -- the exercise check --------------------------------------------------------------------------
def passes(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    assert check_snapshot_due(answer) is True
    out = capsys.readouterr().out
    assert out.startswith("✅")
    return out


def fails(answer: Any, capsys: pytest.CaptureFixture[str]) -> str:
    assert check_snapshot_due(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("❌")
    assert "Hint:" in out
    return out


def test_snapshot_due_solution_passes(capsys: pytest.CaptureFixture[str]) -> None:
    solution = runpy.run_path(str(SOLUTIONS / "04_exercise_1.py"))["snapshot_due"]
    out = passes(solution, capsys)
    assert "[7, 10, 17]" in out


def test_landing_on_a_multiple_is_not_enough(capsys: pytest.CaptureFixture[str]) -> None:
    out = fails(lambda before, after, every: every is not None and after % every == 0, capsys)
    assert "snapshot_due(4, 7, 5) returned False" in out
    assert "jumping past 5" in out


def test_starting_on_a_multiple_is_not_a_crossing(capsys: pytest.CaptureFixture[str]) -> None:
    def any_multiple(before: int, after: int, every: int | None) -> bool:
        return every is not None and any(v % every == 0 for v in range(before, after + 1))

    out = fails(any_multiple, capsys)
    assert "snapshot_due(5, 6, 5) returned True" in out


def test_no_interval_means_no_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    out = fails(lambda before, after, every: before // every < after // every, capsys)
    assert "every=None" in out


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, "not defined yet"),
        (5, "must be a function"),
        (lambda before, after, every: 1, "return True or False"),
    ],
)
def test_other_wrong_answers_get_a_hint(
    answer: Any, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert words in fails(answer, capsys)


def test_unsolved_stub_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    def stub(before: int, after: int, every: int | None) -> bool:
        raise NotImplementedError

    assert "still raises NotImplementedError" in fails(stub, capsys)
