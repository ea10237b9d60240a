"""Helpers for the exercise-check tests: the solutions, and what ✅ and ❌ must look like."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SOLUTIONS = Path(__file__).resolve().parents[2] / "notebooks" / "solutions"


def solution(name: str, attribute: str) -> Any:
    """``attribute`` of the solution file ``notebooks/solutions/<name>``."""
    return runpy.run_path(str(SOLUTIONS / name))[attribute]


def passes(check: Callable[..., bool], capsys: pytest.CaptureFixture[str], *answer: Any) -> str:
    """Assert ``check(*answer)`` accepts: True and a ✅ line; returns what it printed."""
    assert check(*answer) is True
    out = capsys.readouterr().out
    assert out.startswith("✅"), out
    return out


def fails(check: Callable[..., bool], capsys: pytest.CaptureFixture[str], *answer: Any) -> str:
    """Assert ``check(*answer)`` rejects: False, a ❌ line and a hint; returns what it printed."""
    assert check(*answer) is False
    out = capsys.readouterr().out
    assert out.startswith("❌"), out
    assert "Hint:" in out
    return out


def not_implemented(*_args: Any) -> Any:
    """An exercise cell not filled in yet."""
    raise NotImplementedError
