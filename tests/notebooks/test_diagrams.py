"""The notebooks' diagram images: every image a notebook shows exists, ``tools/draw_diagrams.py``
reproduces each one byte for byte, every label fits, nothing overlaps, the text stays readable at
notebook width, every Mermaid diagram of the series has an image, and a cell shows one diagram,
its Mermaid source kept collapsed below the image and saying what the image says."""

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
from diagrams.check import collisions, overflows  # noqa: E402
from diagrams.shapes import Arrow, Box, Diagram, Group, Line, code  # noqa: E402

SERIES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
MARKDOWN_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"'](?P<src>[^\"']+)[\"']", re.IGNORECASE)
SVG = "{http://www.w3.org/2000/svg}"
MERMAID = re.compile(r"```mermaid\n(?P<body>.*?)\n```", re.DOTALL)
WIDEST = 740  # px: a wider image is scaled down to a notebook's column, and its text with it
SMALLEST = 12  # px: the smallest text an image may set
DIAGRAM_IDS = [d.name for d in dd.DIAGRAMS]


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
    drawn = {dd.path(d).name for d in dd.DIAGRAMS}
    on_disk = {p.name for p in dd.IMAGES.glob("*.svg")}
    assert on_disk == drawn, "an SVG in notebooks/images/ that the script does not draw"
    assert dd.main(["--check"]) == 0


@pytest.mark.parametrize("diagram", dd.DIAGRAMS, ids=DIAGRAM_IDS)
def test_every_label_fits_and_the_svg_is_well_formed(diagram: Diagram) -> None:
    assert overflows(diagram) == []
    svg = ET.fromstring(dd.render(diagram))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("viewBox") == f"0 0 {diagram.width} {diagram.height}"
    assert svg.findtext(f"{SVG}title") == diagram.title
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    for box in diagram.boxes:
        assert all(line.text in texts for line in box.lines)
    for x, y in (p for arrow in diagram.arrows for p in arrow.points):
        assert 0 <= x <= diagram.width and 0 <= y <= diagram.height, (diagram.name, x, y)


@pytest.mark.parametrize("diagram", dd.DIAGRAMS, ids=DIAGRAM_IDS)
def test_its_cell_shows_the_image_with_the_mermaid_source_collapsed(diagram: Diagram) -> None:
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
    box = Box(100, 100, 80, (Line("a label far too long for eighty pixels"),))
    diagram = Diagram("x", "00_start_here.ipynb", "c", "t", "d", 200, 200, boxes=(box,))
    (problem,) = overflows(diagram)
    assert "far too long" in problem


# -- every Mermaid diagram has a readable image that says what it says ----------------------------
def _cell(diagram: Diagram) -> nbformat.NotebookNode:
    (cell,) = [c for c in _markdown(NOTEBOOKS / diagram.notebook) if c.id == diagram.cell]
    return cell


def _mermaid_labels(body: str) -> list[str]:
    """What a Mermaid diagram writes on screen: the participants' names, messages and notes of a
    sequence diagram, the states and transitions of a state diagram, the quoted labels of a
    flowchart (ids and keywords are left out)."""
    kind, *lines = [line.strip() for line in body.replace("<br/>", " ").splitlines()]
    shown: list[str] = []
    for line in lines:
        if kind == "sequenceDiagram":
            said = re.match(
                r"(?:(?:participant|actor) \w+ as|Note over [\w, ]+:|\w+ *[-x>)]+ *\w+ *:)"
                r" *(?P<text>.+)",
                line,
            )
            shown += [said["text"]] if said else []
        elif kind.startswith("stateDiagram"):
            move = re.match(r"(?P<a>\S+) --> (?P<b>[^\s:]+)(?: *: *(?P<text>.+))?", line)
            shown += [t for t in (move["a"], move["b"], move["text"]) if t and t != "[*]"]
        else:
            shown += re.findall(r'"([^"]*)"', line)
    return shown


def _image_labels(diagram: Diagram) -> list[str]:
    texts = [line.text for box in diagram.boxes for line in box.lines]
    texts += [line.text for arrow in diagram.arrows for line in arrow.text]
    return texts + [group.label for group in diagram.groups]


def _words(texts: list[str]) -> set[str]:
    return {word for text in texts for word in re.findall(r"\w+", text.lower())}


@pytest.mark.parametrize("notebook", SERIES, ids=[p.stem for p in SERIES])
def test_every_mermaid_diagram_of_the_series_has_an_image(notebook: Path) -> None:
    drawn = {d.cell for d in dd.DIAGRAMS if d.notebook == notebook.name}
    for cell in _markdown(notebook):
        if "```mermaid" in cell.source:
            assert cell.id in drawn, f"{notebook.name}, cell {cell.id}: draw it in tools/diagrams/"


@pytest.mark.parametrize("diagram", dd.DIAGRAMS, ids=DIAGRAM_IDS)
def test_nothing_overlaps_and_the_text_is_readable_at_notebook_width(diagram: Diagram) -> None:
    assert collisions(diagram) == []
    svg = ET.fromstring(dd.render(diagram))
    assert int(svg.get("width", "0")) <= WIDEST
    sizes = [float(text.get("font-size", "0")) for text in svg.iter(f"{SVG}text")]
    assert sizes and min(sizes) >= SMALLEST


@pytest.mark.parametrize("diagram", dd.DIAGRAMS, ids=DIAGRAM_IDS)
def test_the_code_an_image_shows_is_in_its_mermaid_source(diagram: Diagram) -> None:
    (body,) = [m["body"] for m in MERMAID.finditer(_cell(diagram).source)]
    source = " ".join(body.replace("<br/>", " ").split())
    shown = [line.text for box in diagram.boxes for line in box.lines if line.mono]
    shown += [line.text for arrow in diagram.arrows for line in arrow.text if line.mono]
    assert [text for text in shown if text not in source] == []


@pytest.mark.parametrize(
    "diagram",
    [d for d in dd.DIAGRAMS if d.notebook[:2] not in ("00", "01", "02")],
    ids=[d.name for d in dd.DIAGRAMS if d.notebook[:2] not in ("00", "01", "02")],
)
def test_the_image_and_its_mermaid_source_use_the_same_words(diagram: Diagram) -> None:
    """Nothing left out, nothing added: the image is the Mermaid diagram, drawn to be read.
    (The sources of 00-02 were written before their images, which shorten a few phrases.)"""
    (body,) = [m["body"] for m in MERMAID.finditer(_cell(diagram).source)]
    mermaid, image = _words(_mermaid_labels(body)), _words(_image_labels(diagram))
    assert (sorted(mermaid - image), sorted(image - mermaid)) == ([], [])


def test_overlaps_and_parts_off_the_canvas_are_reported() -> None:
    left = Box(100, 100, 80, (Line("left"),))
    right = Box(150, 100, 80, (Line("right"),))
    low = Box(300, 310, 80, (code("low"),))
    diagram = Diagram(
        "x",
        "00_start_here.ipynb",
        "c",
        "t",
        "d",
        360,
        320,
        boxes=(left, right, low),
        arrows=(
            Arrow(((20, 250), (340, 250)), "on the low box", at=(300, 305)),
            Arrow(((250, 20), (250, 240)), "crossed", at=(250, 100)),
            Arrow(((200, 100), (340, 100))),
            Arrow(((200, 40), (200, 150)), dashed=True, head=False, behind=True),
        ),
        groups=(Group(0, 0, 120, 200, "a group"),),
    )
    found = "\n".join(collisions(diagram))
    assert "box 'left' and box 'right' overlap" in found
    assert "label 'on the low box' covers box 'low'" in found
    assert "box 'low' leaves the canvas" in found
    assert "box 'right' is half inside group 'a group'" in found
    assert "the arrow from (200, 100) runs under label 'crossed'" in found
    assert "(200, 40)" not in found, "a lifeline runs behind boxes on purpose"
    clear = Diagram("y", "00_start_here.ipynb", "c", "t", "d", 360, 320, boxes=(left,))
    assert collisions(clear) == []


@pytest.mark.parametrize("notebook", SERIES, ids=[p.stem for p in SERIES])
def test_no_sequence_diagram_message_is_cut_short_by_a_semicolon(notebook: Path) -> None:
    """In a sequence diagram ``;`` ends a statement: the rest of the message fails to parse and
    Mermaid shows a syntax error instead of the diagram."""
    for cell in _markdown(notebook):
        for match in MERMAID.finditer(cell.source):
            if match["body"].startswith("sequenceDiagram"):
                assert ";" not in match["body"], f"{notebook.name}, cell {cell.id}"
