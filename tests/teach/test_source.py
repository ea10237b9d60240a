"""show_source and show_sql: the code on screen is the code that runs."""

from __future__ import annotations

import inspect

import pytest

from esbank import Bank, InvalidArgument
from esbank.domain.account import decide
from esbank.teach.source import show_source, show_sql, source_lines


def test_show_source_is_the_function_itself_with_its_file_and_line() -> None:
    shown = show_source(decide).data
    lines, first = inspect.getsourcelines(decide)
    assert f"from `esbank/domain/account.py` line {first}:" in shown
    assert "".join(lines).strip() in shown
    assert shown.count("```") == 2


def test_a_part_runs_from_the_start_marker_to_the_stop_marker() -> None:
    part = source_lines(Bank.handle, start="def handle", stop=")")
    assert part[0].startswith("def handle") and ")" in part[-1]
    whole, first = inspect.getsourcelines(Bank.handle)
    shown = show_source(Bank.handle, start="return").data
    offset = next(i for i, line in enumerate(whole) if "return" in line)
    assert f"line {first + offset}:" in shown


def test_a_marker_that_is_not_there_is_refused_by_name() -> None:
    with pytest.raises(InvalidArgument, match="'no such line' does not occur"):
        source_lines(decide, start="no such line")
    with pytest.raises(InvalidArgument, match="no source"):
        source_lines(len)


def test_show_sql_needs_text() -> None:
    assert "```sql\nSELECT 1\n```" in show_sql("  SELECT 1\n", title="one").data
    with pytest.raises(InvalidArgument, match="non-empty text"):
        show_sql("  ", title="nothing")
