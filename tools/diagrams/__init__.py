"""The notebooks' diagrams, drawn by hand as SVG: the shapes, the SVG writer, the checks, and
one module of diagrams per part of the series (``tools/draw_diagrams.py`` is the command)."""
