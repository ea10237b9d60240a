"""The notebooks' diagram images: every image a notebook shows exists, ``tools/draw_diagrams.py``
reproduces each one byte for byte, every label fits, and a cell shows one diagram, its Mermaid
source kept collapsed below the image."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "tools"))

import draw_diagrams as dd  # noqa: E402  (tools/ is a folder of scripts, not a package)

SERIES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
MARKDOWN_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"'](?P<src>[^\"']+)[\"']", re.IGNORECASE)
SVG = "{http://www.w3.org/2000/svg}"


def _markdown(notebook: Path) -> list[nbformat.NotebookNode]:
    nb = nbformat.read(notebook, as_version=4)
    return [cell for cell in nb.cells if cell.cell_type == "markdown"]


def _local_images(text: str) -> list[str]:
    found = [m["src"] for m in MARKDOWN_IMAGE.finditer(text)]
    found += [m["src"] for m in HTML_IMAGE.finditer(text)]
    return [src for src in found if not re.match(r"(https?|data|attachment):", src)]


@pytest.mark.parametrize("notebook", SERIES, ids=[p.stem for p in SERIES])
def test_every_image_a_notebook_shows_exists(notebook: Path) -> None:
    for cell in _markdown(notebook):
        for src in _local_images(cell.source):
            assert (notebook.parent / src).is_file(), f"{notebook.name}, cell {cell.id}: {src}"


def test_the_script_reproduces_every_image_byte_for_byte() -> None:
    assert dd.stale(dd.DIAGRAMS) == [], "run `python tools/draw_diagrams.py` and commit"
    drawn = {d.path.name for d in dd.DIAGRAMS}
    on_disk = {p.name for p in dd.IMAGES.glob("*.svg")}
    assert on_disk == drawn, "an SVG in notebooks/images/ that the script does not draw"
    assert dd.main(["--check"]) == 0


@pytest.mark.parametrize("diagram", dd.DIAGRAMS, ids=[d.name for d in dd.DIAGRAMS])
def test_every_label_fits_and_the_svg_is_well_formed(diagram: dd.Diagram) -> None:
    assert dd.overflows(diagram) == []
    svg = ET.fromstring(dd.render(diagram))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("viewBox") == f"0 0 {diagram.width} {diagram.height}"
    assert svg.findtext(f"{SVG}title") == diagram.title
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    for box in diagram.boxes:
        assert all(line.text in texts for line in box.lines)
    for x, y in (p for arrow in diagram.arrows for p in arrow.points):
        assert 0 <= x <= diagram.width and 0 <= y <= diagram.height, (diagram.name, x, y)


@pytest.mark.parametrize("diagram", dd.DIAGRAMS, ids=[d.name for d in dd.DIAGRAMS])
def test_its_cell_shows_the_image_with_the_mermaid_source_collapsed(diagram: dd.Diagram) -> None:
    """One readable diagram for every reader: the image; the Mermaid source stays folded."""
    (cell,) = [c for c in _markdown(NOTEBOOKS / diagram.notebook) if c.id == diagram.cell]
    images = [m for m in MARKDOWN_IMAGE.finditer(cell.source) if m["src"].startswith("images/")]
    assert [m["src"] for m in images] == [f"images/{diagram.name}.svg"]
    assert len(images[0]["alt"]) > 40, "the alt text says what the diagram shows"
    if "```mermaid" in cell.source:
        folded = re.search(r"<details>(?:(?!</details>).)*?```mermaid", cell.source, re.DOTALL)
        assert folded, "the Mermaid source belongs in a <details> block below the image"
        assert cell.source.index(images[0][0]) < folded.start()


def test_check_reports_a_missing_or_edited_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(dd, "IMAGES", tmp_path)
    assert dd.main(["--check"]) == 1
    assert dd.main([]) == 0
    assert dd.main(["--check"]) == 0
    (tmp_path / "retry.svg").write_text("<svg/>", encoding="utf-8")
    assert dd.main(["--check"]) == 1
    assert "retry.svg is stale" in capsys.readouterr().out


def test_a_label_too_long_for_its_box_is_reported() -> None:
    box = dd.Box(100, 100, 80, (dd.Line("a label far too long for eighty pixels"),))
    diagram = dd.Diagram("x", "00_start_here.ipynb", "c", "t", "d", 200, 200, boxes=(box,))
    (problem,) = dd.overflows(diagram)
    assert "far too long" in problem
