"""Draw the notebooks' diagrams as SVG files in ``notebooks/images/``.

Mermaid diagrams vanish wherever no Mermaid renderer runs (exported HTML, an offline reader),
so every diagram listed in ``DIAGRAMS`` is also drawn here, by hand, as a small SVG a notebook
shows with ``![…](images/<name>.svg)``; its Mermaid source stays below the image, collapsed in a
``<details>`` block. The SVG text is written from the coordinates in ``tools/diagrams/`` only,
so the files are reproduced byte for byte on any machine. Each label is measured with
matplotlib's own copy of DejaVu Sans (Mono) and must fit its box with a margin for wider fonts
(Verdana, Menlo); no two parts may overlap, and nothing may leave the canvas.

Usage: ``python tools/draw_diagrams.py`` writes the files; ``--check`` only compares them and
exits 1 when one is missing or stale.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from diagrams import beyond, intro, reads, replay
from diagrams.check import collisions, overflows
from diagrams.shapes import Diagram
from diagrams.svg import render

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "notebooks" / "images"

DIAGRAMS: tuple[Diagram, ...] = (
    intro.architecture(),
    intro.decide_evolve(),
    intro.race(),
    intro.retry(),
    replay.rehydration(),
    replay.version_at(),
    replay.snapshot_load(),
    replay.registry(),
    reads.cqrs(),
    reads.stale_read(),
    reads.cqrs_and_es(),
    beyond.bigserial_trap(),
    beyond.api_endpoint(),
    beyond.api_retry(),
    beyond.group_commit(),
    beyond.outbox(),
    beyond.transfer(),
)
"""Every diagram drawn here, with the notebook cell that shows it."""


def path(diagram: Diagram) -> Path:
    """Where ``diagram``'s SVG file is."""
    return IMAGES / diagram.file


def problems(diagrams: tuple[Diagram, ...]) -> list[str]:
    """Every label that does not fit and every overlap, in all of ``diagrams``."""
    return [p for d in diagrams for p in overflows(d) + collisions(d)]


def stale(diagrams: tuple[Diagram, ...]) -> list[str]:
    """The diagrams whose file is missing or differs from what ``render`` draws."""
    return [
        d.name
        for d in diagrams
        if not path(d).is_file() or path(d).read_text(encoding="utf-8") != render(d)
    ]


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) every diagram; 1 if one is unreadable or stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    found = problems(DIAGRAMS)
    if found:
        print("diagrams that would not read well:\n  " + "\n  ".join(found), file=sys.stderr)
        return 1
    if args.check:
        names = stale(DIAGRAMS)
        for name in names:
            print(
                f"{os.path.relpath(IMAGES / name, ROOT)}.svg is stale: run tools/draw_diagrams.py"
            )
        return 1 if names else 0
    IMAGES.mkdir(parents=True, exist_ok=True)
    for d in DIAGRAMS:
        path(d).write_text(render(d), encoding="utf-8", newline="\n")
        print(f"wrote {os.path.relpath(path(d), ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
