"""The shape of esbank.teach: one package per lesson, lessons never import each other, shared
modules never import a lesson, notebooks import their own lesson only, and nothing is long.

A lesson (``esbank/teach/<lesson>/``) may import the core (``esbank``, ``esbank.domain``,
``esbank.eventstore``, ``esbank.app``, ``esbank.api``), the shared teach modules
(``esbank/teach/*.py``), its own package, and anything outside esbank. A notebook's code cells
and the solutions import from ``esbank``, ``esbank.api``, ``esbank.teach`` and the notebook's
own lesson package, never from a module inside it or from a private module.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEACH = ROOT / "esbank" / "teach"
NOTEBOOKS = ROOT / "notebooks"
CORE = ("esbank.domain", "esbank.eventstore", "esbank.app", "esbank.api")
LESSONS = {
    "01": "commands",
    "02": "concurrency",
    "03": "replay",
    "04": "snapshots",
    "05": "schema",
    "06": "projections",
    "07": "lag",
    "08": "interview",
    "09": "postgres",
    "10": "http",
    "11": "beyond",
}
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60

LESSON_PACKAGES = sorted(p.name for p in TEACH.iterdir() if (p / "__init__.py").is_file())
SHARED_MODULES = sorted(p.stem for p in TEACH.glob("*.py") if p.name != "__init__.py")
TEACH_SOURCES = sorted(TEACH.rglob("*.py"))


def imported(tree: ast.AST, *, names: bool = True) -> set[str]:
    """Every module an AST imports from; with ``names``, ``from a.b import c`` also counts
    ``a.b.c`` (``c`` may be a module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "use absolute imports"
            module = node.module or ""
            found.add(module)
            if names:
                found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def esbank_imports(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    return {n for n in imported(tree) if n == "esbank" or n.startswith("esbank.")}


def lesson_of(name: str) -> str | None:
    """The lesson package a module name belongs to (``esbank.teach.lag.panel`` → ``lag``)."""
    parts = name.split(".")
    if parts[:2] == ["esbank", "teach"] and len(parts) > 2 and parts[2] in LESSON_PACKAGES:
        return parts[2]
    return None


def allowed_for_teach(name: str) -> bool:
    """Core, the shared teach modules (and what they export), or ``esbank.teach`` itself."""
    if name == "esbank" or any(name == c or name.startswith(f"{c}.") for c in CORE):
        return True
    parts = name.split(".")
    return parts[:2] == ["esbank", "teach"] and (len(parts) == 2 or parts[2] in SHARED_MODULES)


# -- the layout ---------------------------------------------------------------------------------
def test_every_notebook_topic_has_its_lesson_package() -> None:
    assert sorted(LESSONS.values()) == LESSON_PACKAGES
    for lesson in LESSON_PACKAGES:
        files = {p.name for p in (TEACH / lesson).glob("*.py")}
        assert {"__init__.py", "panel.py", "checks.py"} <= files, lesson
    assert {"ui", "charts", "determinism", "grading"} <= set(SHARED_MODULES)


@pytest.mark.parametrize("lesson", LESSON_PACKAGES)
def test_a_lesson_imports_the_core_the_shared_modules_and_itself_never_another_lesson(
    lesson: str,
) -> None:
    for source in sorted((TEACH / lesson).rglob("*.py")):
        for name in esbank_imports(source):
            other = lesson_of(name)
            if other is not None:
                assert other == lesson, f"{source.relative_to(ROOT)} imports lesson {other}"
            else:
                assert allowed_for_teach(name), f"{source.relative_to(ROOT)} imports {name}"


@pytest.mark.parametrize("module", SHARED_MODULES)
def test_a_shared_module_never_imports_a_lesson(module: str) -> None:
    source = TEACH / f"{module}.py"
    for name in esbank_imports(source):
        assert lesson_of(name) is None, f"{source.relative_to(ROOT)} imports {name}"
        assert allowed_for_teach(name), f"{source.relative_to(ROOT)} imports {name}"


def test_the_teach_package_itself_imports_no_lesson() -> None:
    for name in esbank_imports(TEACH / "__init__.py"):
        assert lesson_of(name) is None, f"esbank/teach/__init__.py imports {name}"


# -- notebooks and solutions --------------------------------------------------------------------
def code_cells(notebook: Path) -> str:
    """The notebook's code cells as one Python text, IPython magics left out."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    lines = [
        line
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if not line.lstrip().startswith(("%", "!"))
    ]
    return "\n".join(lines)


def sources(tree: ast.AST) -> set[str]:
    """The esbank modules an AST imports from (``from a.b import c`` gives ``a.b``)."""
    return {n for n in imported(tree, names=False) if n == "esbank" or n.startswith("esbank.")}


def check_notebook_imports(modules: set[str], lesson: str | None, where: str) -> None:
    """Only ``esbank``, ``esbank.api``, ``esbank.teach`` and the notebook's own lesson."""
    allowed = {"esbank", "esbank.api", "esbank.teach"}
    allowed |= {f"esbank.teach.{lesson}"} if lesson else set()
    for module in modules:
        assert module in allowed, (
            f"{where} imports from {module}; import from {', '.join(sorted(allowed))}"
        )


SERIES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((NOTEBOOKS / "solutions").glob("*.py"))


@pytest.mark.parametrize("notebook", SERIES, ids=[p.stem for p in SERIES])
def test_a_notebook_imports_esbank_and_its_own_lesson_only(notebook: Path) -> None:
    modules = sources(ast.parse(code_cells(notebook), filename=notebook.name))
    assert modules, f"{notebook.name} imports nothing from esbank"
    lesson = LESSONS.get(notebook.name[:2])
    check_notebook_imports(modules, lesson, notebook.name)
    if lesson is not None:
        assert f"esbank.teach.{lesson}" in modules, f"{notebook.name} never imports its lesson"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_a_solution_imports_esbank_and_its_own_lesson_only(solution: Path) -> None:
    tree = ast.parse(solution.read_text(encoding="utf-8"), filename=solution.name)
    check_notebook_imports(sources(tree), LESSONS[solution.name[:2]], solution.name)


def test_the_import_rules_catch_what_they_should() -> None:
    """Guard against rules that silently pass everything."""
    for wrong in ("esbank.app.seeding", "esbank.teach.lag", "esbank.teach.commands.teller",
                  "esbank.teach.ui", "esbank.teach.commands._private"):  # fmt: skip
        with pytest.raises(AssertionError):
            check_notebook_imports({wrong}, "commands", "x")
    check_notebook_imports({"esbank", "esbank.teach", "esbank.teach.commands"}, "commands", "x")
    check_notebook_imports({"esbank.api", "esbank.teach.http"}, "http", "x")
    with pytest.raises(AssertionError):
        check_notebook_imports({"esbank.api.errors"}, "http", "x")
    tree = ast.parse("from esbank.teach.commands import checks\nimport esbank.app.bank")
    assert sources(tree) == {"esbank.teach.commands", "esbank.app.bank"}
    assert allowed_for_teach("esbank.api") and allowed_for_teach("esbank.teach.ui.table")
    assert not allowed_for_teach("esbank.apis") and not allowed_for_teach("esbank.teachers")
    assert lesson_of("esbank.teach.lag.panel") == "lag" and lesson_of("esbank.teach.ui") is None


# -- size -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source", TEACH_SOURCES, ids=[str(p.relative_to(TEACH)) for p in TEACH_SOURCES]
)
def test_no_teach_module_is_long_nor_any_of_its_functions(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{source.relative_to(ROOT)} is too long"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, (
                f"{source.relative_to(ROOT)}:{node.lineno} {node.name} has {length} lines"
            )
