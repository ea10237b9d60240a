"""The time-travel panel without a browser (set slider values, read the widgets back), its
plain functions, and the check of notebook 03's exercise (evolve for a new event)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

from esbank import (
    AccountNotOpen,
    Bank,
    DepositMoney,
    DuckDBEventStore,
    InvalidArgument,
    WithdrawMoney,
)
from esbank.teach import SequentialIds, StepClock
from esbank.teach.replay import (
    TimeTravelPanel,
    describe,
    plot_time_travel,
    point_in_time,
    time_travel_panel,
)
from esbank.teach.replay.panel import PANEL_CLASS
from esbank.teach.ui import figure_png

DAY = timedelta(days=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def story() -> tuple[Bank, UUID]:
    """Ada over two days: v1 09:00 open 10000, v2 09:01 +2500, v3 next day 09:02 -4000."""
    clock = StepClock()
    store = DuckDBEventStore(":memory:", clock=clock, new_id=SequentialIds(prefix=0xE))
    bank = Bank(store, new_id=SequentialIds())
    ada = bank.open_account("Ada", 10_000).aggregate_id
    bank.handle(DepositMoney(ada, 2_500))
    clock.advance(DAY)
    bank.handle(WithdrawMoney(ada, 4_000))
    return bank, ada


def two_accounts() -> tuple[Bank, UUID, UUID]:
    """The story, then Bo: v1 opened at 09:03 on the second day, v2 +700 at 09:04."""
    bank, ada = story()
    bo = bank.open_account("Bo", 1_000).aggregate_id
    bank.handle(DepositMoney(bo, 700))
    return bank, ada, bo


def panel_on_story(**kwargs: Any) -> TimeTravelPanel:
    bank, ada = story()
    return time_travel_panel(bank, ada, **kwargs)


# -- the panel ------------------------------------------------------------------------------
def test_panel_has_stable_classes_and_starts_at_the_newest_version() -> None:
    panel = panel_on_story()
    assert isinstance(panel.widget, widgets.VBox)
    assert PANEL_CLASS in panel.widget._dom_classes
    assert "esbank-time-travel-version" in panel.version._dom_classes
    assert "esbank-time-travel-time" in panel.time._dom_classes
    assert (panel.version.min, panel.version.max, panel.version.value) == (0, 3, 3)
    assert panel.version.description == "Version"
    assert panel.time.description == "Recorded by"
    assert panel.play.description == "Replay the stream"
    assert panel.time.value == at(6, 9, 2)
    assert panel.summary() == (
        "As of version 3 of 3: balance 85.00 (8500 cents), open; "
        "3 event(s) replayed from the first event."
    )
    assert panel.chart.format == "png"
    assert bytes(panel.chart.value).startswith(b"\x89PNG")


def test_setting_the_version_slider_changes_state_chart_and_time() -> None:
    panel = panel_on_story()
    chart_before = panel.chart.value
    panel.version.value = 2
    assert panel.point is not None and panel.point.state is not None
    assert (panel.point.version, panel.point.state.balance) == (2, 12_500)
    assert panel.point.report is not None and panel.point.report.events_replayed == 2
    assert "As of version 2 of 3: balance 125.00 (12500 cents)" in panel.state.value
    assert panel.time.value == at(5, 9, 1), "the time slider follows: v2 was recorded at 09:01"
    assert panel.play.value == 2, "the Replay button is linked to the version slider"
    assert panel.chart.value != chart_before
    panel.version.value = 1
    assert "balance 100.00 (10000 cents)" in panel.summary()


def test_setting_the_time_slider_applies_the_version_at_rule() -> None:
    noon = at(5, 12)
    panel = panel_on_story(times=[noon])
    assert noon in panel.times
    panel.time.value = noon
    assert panel.version.value == 2, "the version slider follows the time slider"
    assert panel.summary() == (
        "As of 2026-01-05 12:00:00 UTC: the stream stops before v3 (MoneyWithdrawn), recorded "
        "later at 2026-01-06 09:02:00 UTC, so version 2 of 3: balance 125.00 (12500 cents), "
        "open; 2 event(s) replayed from the first event."
    )


def test_an_event_time_includes_that_event() -> None:
    panel = panel_on_story()
    panel.time.value = at(5, 9, 1)
    assert panel.version.value == 2
    assert "balance 125.00" in panel.summary()


def test_a_time_before_the_first_event_shows_no_account_instead_of_failing() -> None:
    early = at(5, 8)
    panel = panel_on_story(times=[early])
    assert panel.times[0] == early
    panel.time.value = early
    assert panel.point is not None
    assert (panel.point.version, panel.point.state) == (0, None)
    assert "did not exist yet" in panel.summary()
    assert "later" in panel.snapshot_html()
    assert bytes(panel.chart.value).startswith(b"\x89PNG")


def test_snapshot_html_marks_replayed_and_later_events() -> None:
    panel = panel_on_story()
    panel.version.value = 2
    snapshot = panel.snapshot_html()
    assert f'class="{PANEL_CLASS}-snapshot"' in snapshot
    assert snapshot.count(f'class="{PANEL_CLASS}-replayed"') == 2
    assert snapshot.count(f'class="{PANEL_CLASS}-later"') == 1
    assert "<td>MoneyWithdrawn</td>" in snapshot
    assert "<td>125.00</td>" in snapshot


def test_repr_is_a_short_hint_for_static_renderers() -> None:
    panel = panel_on_story()
    assert repr(panel) == (
        "TimeTravelPanel(account=00000000-0000-0000-0000-000000000001, version=3 of 3)"
    )
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Time-travel panel (run the cell in Jupyter to use it)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_panel_refuses_bad_arguments_saying_what_to_do() -> None:
    bank, ada = story()
    with pytest.raises(AccountNotOpen):
        time_travel_panel(bank, UUID(int=999))
    with pytest.raises(InvalidArgument, match="version must be an int from 0 to 3"):
        time_travel_panel(bank, ada, version=4)
    with pytest.raises(InvalidArgument, match="timezone-aware"):
        time_travel_panel(bank, ada, times=[datetime(2026, 1, 5, 12)])


# -- the plain functions --------------------------------------------------------------------
def test_point_in_time_by_version_and_by_instant_agree_with_bank_load() -> None:
    bank, ada = story()
    by_version = point_in_time(bank, ada, as_of_version=2)
    by_time = point_in_time(bank, ada, as_of=datetime(2026, 1, 6, 9, 1, 59, tzinfo=UTC))
    assert by_version.state == by_time.state == bank.load(ada, as_of_version=2)
    assert by_time.next_event is not None and by_time.next_event.version == 3
    now = point_in_time(bank, ada)
    assert (now.version, now.next_event) == (3, None)
    assert describe(now).startswith("As of version 3 of 3")
    with pytest.raises(InvalidArgument, match="not both"):
        point_in_time(bank, ada, as_of_version=1, as_of=at(6, 9))
    with pytest.raises(AccountNotOpen, match="open it first"):
        point_in_time(bank, UUID(int=999))


def test_plot_time_travel_marks_the_version_and_titles_the_finding() -> None:
    bank, ada = story()
    history = bank.history(ada)
    fig = plot_time_travel(history, 2)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_title() == "As of version 2 of 3, the balance was 12,500 cents (125.00)"
    assert "cents" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["later events: not replayed", "as of version 2: 12,500 cents"]
    assert figure_png(fig).startswith(b"\x89PNG")
    with pytest.raises(InvalidArgument, match=r"one of the history.s versions 1\.\.3"):
        plot_time_travel(history, 4)


# -- the sliders stay within the account's range (issue 16) ---------------------------------
def test_a_time_before_the_first_event_moves_the_version_slider_to_zero() -> None:
    early = at(5, 8)
    panel = panel_on_story(times=[early])
    assert panel.version.value == 3
    panel.time.value = early
    assert panel.version.value == 0, "the version slider must not keep v3 for a missing account"
    assert panel.play.value == 0
    assert "did not exist yet" in panel.summary()
    panel.time.value = at(5, 9, 1)
    assert panel.version.value == 2


def test_version_zero_is_the_account_before_its_first_event() -> None:
    early = at(5, 8)
    panel = panel_on_story(times=[early])
    panel.version.value = 0
    assert panel.point is not None and (panel.point.version, panel.point.state) == (0, None)
    assert panel.summary() == (
        "As of version 0 of 3: before the first event, so the account did not exist yet."
    )
    assert panel.time.value == early, "the time slider follows to an instant before v1"
    assert panel.snapshot_html().count(f'class="{PANEL_CLASS}-later"') == 3
    assert bytes(panel.chart.value).startswith(b"\x89PNG")
    assert point_in_time(panel.bank, panel.account_id, as_of_version=0).state is None


def test_switching_account_resets_both_sliders_to_the_new_accounts_range() -> None:
    bank, ada, bo = two_accounts()
    panel = time_travel_panel(bank, ada, accounts=[ada, bo], times=[at(5, 8)])
    assert panel.account is not None
    assert "esbank-time-travel-account" in panel.account._dom_classes
    assert [label for label, _ in panel.account.options] == ["Ada (0001)", "Bo (0005)"]
    panel.version.value = 3
    panel.account.value = bo
    assert panel.account_id == bo
    assert (panel.version.min, panel.version.max, panel.version.value) == (0, 2, 2)
    assert (panel.play.min, panel.play.max, panel.play.value) == (0, 2, 2)
    assert panel.times == (at(5, 8), at(6, 9, 3), at(6, 9, 4))
    assert panel.time.value == at(6, 9, 4)
    assert panel.summary().startswith("As of version 2 of 2: balance 17.00 (1700 cents)")
    panel.time.value = at(5, 8)
    assert panel.version.value == 0, "before Bo's account existed"
    panel.account.value = ada
    assert (panel.version.max, panel.version.value) == (3, 3)
    assert panel.summary().startswith("As of version 3 of 3: balance 85.00")


def test_one_account_has_no_menu_and_a_menu_refuses_an_unknown_account() -> None:
    bank, ada = story()
    assert time_travel_panel(bank, ada).account is None
    with pytest.raises(AccountNotOpen):
        time_travel_panel(bank, ada, accounts=[UUID(int=999)])
    with pytest.raises(InvalidArgument, match=r"accounts\[1\]"):
        time_travel_panel(bank, ada, accounts=[ada, "Bo"])  # type: ignore[list-item]


def test_the_chosen_instant_is_shown_whole_beside_the_time_slider() -> None:
    panel = panel_on_story(times=[at(5, 8)])
    assert panel.time.readout is False, "the slider's own readout clips a date and a time"
    assert "2026-01-06 09:02:00 UTC" in panel.instant.value
    assert "esbank-time-travel-instant" in panel.instant._dom_classes
    panel.version.value = 1
    assert "2026-01-05 09:00:00 UTC" in panel.instant.value
    panel.time.value = at(5, 8)
    assert "2026-01-05 08:00:00 UTC" in panel.instant.value


def _boxes_overlap(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of x tick labels whose drawn boxes overlap, at the figure's own size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.set_dpi(80)  # the panel's PNG
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    (ax,) = fig.axes
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in labels]
    return [
        (labels[i].get_text(), labels[j].get_text())
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]


@pytest.mark.parametrize("withdrawals", [6, 7, 8, 40])
def test_the_x_labels_of_the_chart_never_run_together(withdrawals: int) -> None:
    clock = StepClock()
    bank = Bank(DuckDBEventStore(":memory:", clock=clock), new_id=SequentialIds())
    ada = bank.open_account("Ada", 100_000).aggregate_id
    for _ in range(withdrawals):  # the longest type name, side by side
        bank.handle(WithdrawMoney(ada, 100))
    panel = time_travel_panel(bank, ada)
    fig = panel.figure()
    assert _boxes_overlap(fig) == []
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    if withdrawals + 1 <= 8:
        assert labels[:2] == ["1\nAccount\nOpened", "2\nMoney\nWithdrawn"]
    else:
        assert len(labels) <= 8 and labels[0] == "1"
