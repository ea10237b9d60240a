"""The interview quiz: questions loaded from the package's data file, and pure grading."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.interview import QUESTIONS, Question, grade, quiz_text, score
from esbank.teach.interview.quiz import load_questions

NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"
PLANNED = {
    "05_schema_evolution.ipynb",
    "06_projections_and_read_models.ipynb",
    "07_projection_lag.ipynb",
}


def test_at_least_eight_questions_with_unique_keys_cover_q1_to_q5_and_every_pitfall() -> None:
    assert len(QUESTIONS) >= 8
    assert len({q.key for q in QUESTIONS}) == len(QUESTIONS)
    topics = " ".join(q.topic for q in QUESTIONS)
    for label in ["Q1", "Q2", "Q3", "Q4", "Q5", *(f"Pitfall {n}" for n in range(1, 6))]:
        assert label in topics


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.key for q in QUESTIONS])
def test_every_link_names_an_existing_or_planned_notebook(question: Question) -> None:
    assert (NOTEBOOKS / question.notebook).is_file() or question.notebook in PLANNED


def test_grade_right_answer() -> None:
    q = QUESTIONS[0]
    fb = grade(q, q.answer)
    assert fb.correct and fb.choice == q.answer and fb.text == q.feedback[q.answer]
    assert fb.plain().startswith("✅ Right.")
    assert f'href="{q.notebook}"' in fb.html()


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.key for q in QUESTIONS])
def test_grade_each_wrong_answer_gives_its_own_feedback_and_link(question: Question) -> None:
    for choice in range(len(question.options)):
        if choice == question.answer:
            continue
        fb = grade(question, choice)
        assert not fb.correct
        assert fb.text == question.feedback[choice]
        assert fb.plain().startswith("❌ Not quite.")
        assert fb.plain().endswith(question.notebook)
        assert f'<a href="{question.notebook}"' in fb.html()


@pytest.mark.parametrize("choice", [-1, 99, True, "1", None])
def test_grade_refuses_a_choice_that_is_no_option(choice: object) -> None:
    with pytest.raises(InvalidArgument):
        grade(QUESTIONS[0], choice)  # type: ignore[arg-type]


def test_a_question_must_be_consistent() -> None:
    with pytest.raises(InvalidArgument):
        Question("k", "t", "p", ("a", "b"), 2, ("x", "y"), "04_snapshots.ipynb")
    with pytest.raises(InvalidArgument):
        Question("k", "t", "p", ("a", "b"), 0, ("x",), "04_snapshots.ipynb")


def test_score_counts_right_answers_and_lists_the_unanswered() -> None:
    answers = {QUESTIONS[0].key: QUESTIONS[0].answer, QUESTIONS[1].key: 0}
    result = score(QUESTIONS, answers)
    assert (result.right, result.total) == (1, len(QUESTIONS))
    assert [f.question for f in result.wrong] == [QUESTIONS[1].key]
    assert len(result.unanswered) == len(QUESTIONS) - 2
    with pytest.raises(InvalidArgument):
        score(QUESTIONS, {"no-such-question": 0})


def test_quiz_text_lists_every_option_but_no_answer() -> None:
    text = quiz_text(QUESTIONS)
    for q in QUESTIONS:
        assert q.prompt in text
        assert all(option in text for option in q.options)
    assert "Right" not in text


def test_question_text_lives_in_the_data_file_not_in_code() -> None:
    files = resources.files("esbank.teach.interview")
    data = json.loads(files.joinpath("questions.json").read_text(encoding="utf-8"))
    assert [q["key"] for q in data["questions"]] == [q.key for q in QUESTIONS]
    assert load_questions() == QUESTIONS
    code = "".join(p.read_text(encoding="utf-8") for p in Path(str(files)).glob("*.py"))
    for q in QUESTIONS:
        assert q.prompt not in code
        assert all(option not in code for option in q.options if len(option) > 20)


def test_the_data_files_are_package_data() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[3]
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["esbank"]
    assert "teach/interview/*.json" in patterns
