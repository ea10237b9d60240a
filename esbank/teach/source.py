"""The code being taught, shown from its source: what a notebook prints is what runs.

``show_source(decide)`` renders the function's current source as a highlighted block, with the
file and line numbers it comes from; ``show_sql(text)`` renders a SQL statement the package
runs. Both read the package itself at display time, so a notebook run keeps them current.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path
from typing import Any

from IPython.display import Markdown

from esbank.domain.errors import InvalidArgument

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def _where(obj: Any) -> tuple[str, int]:
    """The file (relative to the repository) and first line of ``obj``'s source."""
    target = inspect.unwrap(obj)
    path = Path(inspect.getsourcefile(target) or "?").resolve()
    try:
        shown = str(path.relative_to(PACKAGE_ROOT))
    except ValueError:
        shown = path.name
    return shown, inspect.getsourcelines(target)[1]


def source_lines(obj: Any, *, start: str | None = None, stop: str | None = None) -> list[str]:
    """The source lines of ``obj``, dedented; with ``start``/``stop``, only the lines from the
    first one containing ``start`` through the first later one containing ``stop``."""
    try:
        lines = textwrap.dedent(inspect.getsource(inspect.unwrap(obj))).splitlines()
    except (OSError, TypeError) as exc:
        raise InvalidArgument(
            f"no source for {obj!r}: pass a function, method or class defined in a .py file"
        ) from exc
    first, last = 0, len(lines) - 1
    if start is not None:
        first = _index(lines, start, 0, obj)
    if stop is not None:
        last = _index(lines, stop, first, obj)
    return lines[first : last + 1]


def _index(lines: list[str], marker: str, begin: int, obj: Any) -> int:
    for i in range(begin, len(lines)):
        if marker in lines[i]:
            return i
    name = getattr(obj, "__qualname__", repr(obj))
    raise InvalidArgument(
        f"{marker!r} does not occur in the source of {name}: pick a marker from its current source"
    )


def show_source(obj: Any, *, start: str | None = None, stop: str | None = None) -> Markdown:
    """``obj``'s source (or the part from ``start`` to ``stop``) as a highlighted block, headed
    by the file and line it starts at."""
    lines = source_lines(obj, start=start, stop=stop)
    path, line = _where(obj)
    if start is not None:
        whole = textwrap.dedent(inspect.getsource(inspect.unwrap(obj))).splitlines()
        line += whole.index(lines[0])
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", "?"))
    body = "\n".join(lines)
    return Markdown(f"`{name}`, from `{path}` line {line}:\n\n```python\n{body}\n```")


def show_sql(text: str, *, title: str) -> Markdown:
    """A SQL statement the package runs, as a highlighted block under ``title``."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgument(f"show_sql needs the statement as non-empty text, got {text!r}")
    return Markdown(f"{title}\n\n```sql\n{textwrap.dedent(text).strip()}\n```")
