"""A panel's chart is rendered at twice the pixel density of its figure's size and shown at
that size: the image widget's CSS width and height agree with the PNG, never stretched."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pytest
from matplotlib.figure import Figure

from esbank import InvalidArgument
from esbank.teach import ui


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.add_subplot().plot([1, 2, 3], [3, 1, 2])
    return fig


def _png(width: int, height: int, *, dpi: float | None) -> bytes:
    """A tiny valid PNG of that pixel size, with a pHYs chunk when ``dpi`` is given."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    phys = chunk(b"pHYs", struct.pack(">IIB", *(2 * [round(dpi / 0.0254)]), 1)) if dpi else b""
    rows = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)))
    return (
        ui.PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + phys
        + chunk(b"IDAT", rows)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("size", "pixels"), [((7.5, 3.8), (1500, 760)), ((11, 3.6), (2200, 720))])
def test_figure_png_has_twice_the_pixels_of_the_figure_size(
    size: tuple[float, float], pixels: tuple[int, int]
) -> None:
    data = ui.figure_png(_figure(*size))
    assert ui.png_size(data) == pixels
    assert ui.png_dpi(data) == pytest.approx(ui.CSS_PER_INCH * ui.PIXEL_RATIO, abs=0.01)
    assert ui.css_size(data) == (pixels[0] / 2, pixels[1] / 2)


def test_a_chart_is_shown_at_its_figure_size_whatever_sets_its_value() -> None:
    image = ui.chart("esbank-demo")
    assert "esbank-demo-chart" in image._dom_classes
    image.value = ui.figure_png(_figure(7.5, 3.8))  # what every panel's refresh does
    width, height = ui.png_size(image.value)
    assert (image.layout.width, image.layout.height) == ("750px", "380px")
    assert (width / 750, height / 380) == (ui.PIXEL_RATIO, ui.PIXEL_RATIO)  # sharp, not blurry
    image.value = ui.figure_png(_figure(11, 3.6))  # a new figure of another size
    assert (image.layout.width, image.layout.height) == ("1100px", "360px")
    assert image.layout.max_width == "100%" and image.layout.object_fit == "contain"
    assert image.layout.object_position == "left top"


def test_a_png_without_a_recorded_density_is_shown_pixel_for_pixel() -> None:
    assert ui.css_size(_png(300, 120, dpi=None)) == (300, 120)
    assert ui.css_size(_png(300, 120, dpi=150)) == (200, 80)
    image = ui.chart("esbank-demo")
    image.value = _png(64, 32, dpi=None)
    assert (image.layout.width, image.layout.height) == ("64px", "32px")


def test_something_else_than_a_png_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="not a PNG image: pass the bytes figure_png"):
        ui.png_size(b"GIF89a" + b"\x00" * 30)


def _lag() -> Any:
    from esbank.teach.lag import lag_panel

    return lag_panel()


def _snapshots() -> Any:
    from esbank.teach.snapshots import snapshot_panel

    return snapshot_panel()


def _time_travel() -> Any:
    from esbank import Bank, DepositMoney, DuckDBEventStore
    from esbank.teach import SequentialIds, StepClock
    from esbank.teach.replay import time_travel_panel

    bank = Bank(DuckDBEventStore(clock=StepClock()), new_id=SequentialIds())
    account = bank.open_account("Ada", 1_000).aggregate_id
    for amount in (100, 200, 300):
        bank.handle(DepositMoney(account, amount))
    return time_travel_panel(bank, account)


def _charts(panel: Any) -> list[widgets.Image]:
    found, todo = [], [panel.widget]
    while todo:
        widget = todo.pop()
        if isinstance(widget, widgets.Image) and any(
            c.endswith("-chart") for c in widget._dom_classes
        ):
            found.append(widget)
        todo.extend(getattr(widget, "children", ()))
    return found


@pytest.mark.parametrize("build", [_lag, _snapshots, _time_travel], ids=lambda f: f.__name__[1:])
def test_every_panel_chart_is_shown_at_its_png_size_over_the_pixel_ratio(
    build: Callable[[], Any],
) -> None:
    (chart,) = _charts(build())
    width, height = ui.png_size(chart.value)
    assert chart.layout.width == f"{width / ui.PIXEL_RATIO:g}px"
    assert chart.layout.height == f"{height / ui.PIXEL_RATIO:g}px"
    assert width >= 2 * 600, "rendered at twice the density of its displayed size"


def test_figure_png_leaves_the_figure_as_it_was() -> None:
    fig = _figure(7.5, 3.8)
    ui.figure_png(fig)
    assert fig.dpi == 100 and tuple(fig.get_size_inches()) == (7.5, 3.8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert ui.png_size(buffer.getvalue()) == (750, 380)
