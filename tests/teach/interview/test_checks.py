"""Notebook 08's self-check passes the answer key (in any order) and rejects wrong answers."""

from __future__ import annotations

from typing import Any

import pytest

from esbank.teach.interview import QUESTIONS
from esbank.teach.interview.checks import check_quiz_answers
from teach.exercises import fails, passes

KEY = {q.key: q.answer for q in QUESTIONS}


def test_the_answer_key_passes(capsys: pytest.CaptureFixture[str]) -> None:
    out = passes(check_quiz_answers, capsys, KEY)
    assert f"all {len(QUESTIONS)} questions answered right" in out


def test_the_answer_key_in_another_order_passes(capsys: pytest.CaptureFixture[str]) -> None:
    passes(check_quiz_answers, capsys, dict(reversed(KEY.items())))


def test_one_wrong_answer_names_the_notebook_to_reread(capsys: pytest.CaptureFixture[str]) -> None:
    first = QUESTIONS[0]
    wrong = {**KEY, first.key: (first.answer + 1) % len(first.options)}
    assert first.notebook in fails(check_quiz_answers, capsys, wrong)


def test_right_but_partial_answers_say_how_many_to_go(capsys: pytest.CaptureFixture[str]) -> None:
    out = fails(check_quiz_answers, capsys, {QUESTIONS[0].key: QUESTIONS[0].answer})
    assert "to go" in out


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ({}, "no answers yet"),
        (None, "no answers yet"),
        ({"nope": 1}, "no question with key(s)"),
        ({QUESTIONS[0].key: 42}, "has options 0 to"),
    ],
)
def test_bad_answers_fail_with_a_hint(
    answers: Any, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert says in fails(check_quiz_answers, capsys, answers)
