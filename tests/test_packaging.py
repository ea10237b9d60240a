"""Packaging and layering: one list of dependencies, a typed package, a public API, clean layers."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import esbank

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "esbank"
ARCHITECTURE_CANDIDATES = [
    ROOT / "docs" / "ARCHITECTURE.md",
    ROOT / "ARCHITECTURE.md",
    ROOT.parent / "shared" / "design" / "ARCHITECTURE.md",
]

# The names ARCHITECTURE.md's "Public API" section says are importable from ``esbank``.
# (The AccountClosed-state error is spelled AccountClosedError: AccountClosed is the event.)
PUBLIC_API = {
    "AccountOpened",
    "MoneyDeposited",
    "MoneyWithdrawn",
    "AccountClosed",
    "OpenAccount",
    "DepositMoney",
    "WithdrawMoney",
    "CloseAccount",
    "BankAccount",
    "decide",
    "evolve",
    "replay",
    "EsbankError",
    "DomainError",
    "InvalidCommand",
    "InvalidAmount",
    "AccountNotOpen",
    "AccountAlreadyOpen",
    "AccountClosedError",
    "InsufficientFunds",
    "NonZeroBalance",
    "ConcurrencyConflict",
    "StoreError",
    "UnknownEventType",
    "CorruptEvent",
    "UnsupportedSchemaVersion",
    "StoreLocked",
    "EventStore",
    "DuckDBEventStore",
    "AppendResult",
    "ANY",
    "NO_STREAM",
    "STREAM_EXISTS",
    "RecordedEvent",
    "Bank",
    "CommandResult",
}


# -- dependencies ----------------------------------------------------------------------------
def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement such as ``pandas>=2.1``."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"cannot read requirement {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _spec(requirement: str) -> str:
    """The version bounds of a requirement; pip's extras (``psycopg[binary]``) are left out,
    as conda has none (conda-forge's psycopg brings its own libpq)."""
    rest = requirement[len(re.match(r"\s*[A-Za-z0-9._-]+", requirement)[0]) :]
    return re.sub(r"\s+", "", re.sub(r"^\s*\[[^\]]*\]", "", rest))


def pyproject_runtime() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_name(r): _spec(r) for r in data["project"]["dependencies"]}


def conda_runtime(path: Path) -> dict[str, str]:
    """The conda dependencies of an environment.yml, read line by line (no YAML library)."""
    found: dict[str, str] = {}
    in_dependencies = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line.startswith((" ", "\t", "-")):  # a top-level key
            in_dependencies = line.strip() == "dependencies:"
            continue
        item = line.strip()
        if in_dependencies and item.startswith("- ") and not item.endswith(":"):
            requirement = item[2:].strip().strip("'\"")
            name = _name(requirement)
            if name not in {"python", "pip"}:
                found[name] = _spec(requirement)
    return found


def test_environment_yml_and_pyproject_name_the_same_runtime_packages() -> None:
    pyproject = pyproject_runtime()
    conda = conda_runtime(ROOT / "environment.yml")
    assert {"duckdb", "pandas"} <= set(pyproject)
    assert set(conda) == set(pyproject)
    assert conda == pyproject  # and the same version bounds


def test_environment_parser_reads_what_it_should(tmp_path: Path) -> None:
    sample = tmp_path / "environment.yml"
    sample.write_text(
        "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n"
        "  - Pandas >= 2.1  # comment\n  - pip\n  - pip:\n    - ruff\nvariables:\n  - a\n",
        encoding="utf-8",
    )
    assert conda_runtime(sample) == {"pandas": ">=2.1", "ruff": ""}
    assert _spec("psycopg[binary]>=3.2") == _spec("psycopg >= 3.2") == ">=3.2"


def test_binder_environment_is_the_same_file() -> None:
    binder = ROOT / "binder" / "environment.yml"
    assert binder.exists()
    assert binder.read_text(encoding="utf-8") == (ROOT / "environment.yml").read_text(
        encoding="utf-8"
    )


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in data["tool"]["setuptools"]["package-data"]["esbank"]


# -- public API ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PUBLIC_API))
def test_public_name_is_exported(name: str) -> None:
    assert hasattr(esbank, name), f"esbank does not export {name}"
    assert name in esbank.__all__


def test_all_lists_only_real_names() -> None:
    missing = [name for name in esbank.__all__ if not hasattr(esbank, name)]
    assert missing == []
    assert len(set(esbank.__all__)) == len(esbank.__all__)


def _architecture() -> Path | None:
    return next((p for p in ARCHITECTURE_CANDIDATES if p.is_file()), None)


def test_public_api_list_matches_architecture_md() -> None:
    """The list above is the one in ARCHITECTURE.md: every class, constant and error it names."""
    path = _architecture()
    if path is None:
        pytest.skip("ARCHITECTURE.md is not next to this checkout")
    text = path.read_text(encoding="utf-8")
    section = text.split("## Public API", 1)[1].split("\n## ", 1)[0]
    named = set()
    for code in re.findall(r"`([^`]+)`", section):
        match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", code)
        if match and match.group(0)[0].isupper():
            named.add(match.group(0))
    named |= {"decide", "evolve", "replay"}
    assert named - PUBLIC_API == set()
    for name in named:
        assert hasattr(esbank, name), f"ARCHITECTURE.md names {name}, esbank does not export it"


# -- layering --------------------------------------------------------------------------------
def imports_of(folder: Path) -> dict[str, set[str]]:
    """Every module imported by each source file under ``folder`` (absolute names)."""
    result: dict[str, set[str]] = {}
    for source in sorted(folder.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{source}: use absolute imports"
                names.add(node.module or "")
        result[str(source.relative_to(ROOT))] = names
    assert result, f"no sources under {folder}"
    return result


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def test_domain_imports_only_the_stdlib_and_itself() -> None:
    for source, names in imports_of(PACKAGE / "domain").items():
        for name in names:
            allowed = name == "esbank.domain" or name.startswith("esbank.domain.")
            allowed = allowed or (_top(name) in sys.stdlib_module_names and _top(name) != "esbank")
            assert allowed, f"{source} imports {name}: the domain is pure, stdlib only"


def test_eventstore_never_imports_app_or_teach() -> None:
    for source, names in imports_of(PACKAGE / "eventstore").items():
        for name in names:
            assert not name.startswith(("esbank.app", "esbank.teach", "esbank.api")), (
                f"{source} imports {name}: the event store may import the domain only"
            )
            if _top(name) == "esbank":
                assert name.startswith(("esbank.domain", "esbank.eventstore")), (source, name)
            assert name != "esbank", f"{source} imports the top-level package"


def test_app_never_imports_teach() -> None:
    for source, names in imports_of(PACKAGE / "app").items():
        for name in names:
            if _top(name) == "esbank":
                assert name.startswith(("esbank.domain", "esbank.eventstore", "esbank.app")), (
                    f"{source} imports {name}: the app layer may import domain and eventstore"
                )


def test_api_imports_only_app_domain_and_eventstore() -> None:
    for source, names in imports_of(PACKAGE / "api").items():
        for name in names:
            if _top(name) == "esbank":
                assert name.startswith(
                    ("esbank.domain", "esbank.eventstore", "esbank.app", "esbank.api")
                ), f"{source} imports {name}: the API is thin over app, domain and eventstore"


def test_nothing_below_the_api_imports_it() -> None:
    for layer in ("domain", "eventstore", "app"):
        for source, names in imports_of(PACKAGE / layer).items():
            assert not [n for n in names if n.startswith("esbank.api")], source
    top = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(top) if isinstance(n, ast.ImportFrom)
                and (n.module or "").startswith("esbank.api")]  # fmt: skip


def test_import_esbank_does_not_load_fastapi() -> None:
    """``esbank.api`` is a separate import: the kit itself never pays for FastAPI."""
    code = "import sys, esbank; print(sorted(m for m in ('fastapi', 'starlette', 'uvicorn', "
    code += "'esbank.api') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_scanner_sees_imports() -> None:
    """Guard against a scanner that silently finds nothing."""
    found = imports_of(PACKAGE / "eventstore")
    assert any("duckdb" in names for names in found.values())
    assert any("esbank.domain.events" in names for names in found.values())


# The application layer sees the event store only through its protocols and value types.
APP_MAY_USE = {
    "esbank.eventstore",
    "esbank.eventstore.protocol",
    "esbank.eventstore.types",
    "esbank.eventstore.errors",
    "esbank.eventstore.codec",
}


def test_app_uses_the_store_only_through_its_protocols_and_types() -> None:
    for source, names in imports_of(PACKAGE / "app").items():
        for name in names:
            if name.startswith("esbank.eventstore"):
                assert name in APP_MAY_USE, (
                    f"{source} imports {name}: app code is written against the EventStore and "
                    "SqlStore protocols, not one backend"
                )
        tree = ast.parse((ROOT / source).read_text(encoding="utf-8"))
        imported = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom | ast.Import)
            for alias in node.names
        ]
        assert not [n for n in imported if "DuckDB" in n], f"{source} imports a DuckDB class"


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_modules_and_functions_stay_small() -> None:
    """No module over 450 lines and no function over 60: each holds one thing."""
    for source in sorted(PACKAGE.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 450, f"{source} has {len(text.splitlines())} lines"
        for node in _functions(ast.parse(text)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= 60, f"{source}: {node.name} has {length} lines"
