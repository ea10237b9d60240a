"""The interview quiz: questions loaded from the package's data file, and pure grading."""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.interview import (
    QUESTIONS,
    Question,
    final_text,
    grade,
    notebook_label,
    quiz_text,
    score,
    to_review,
)
from esbank.teach.interview.quiz import load_questions, review_line
from esbank.teach.interview.words import button_words, word

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


# -- what to review after a wrong answer ----------------------------------------------------
def _headings(notebook: str) -> list[str]:
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    return [
        line
        for cell in cells
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
        if line.startswith("## ")
    ]


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.key for q in QUESTIONS])
def test_every_review_names_sections_that_exist_in_the_linked_notebook(
    question: Question,
) -> None:
    """ "§4 Retry: reload, decide again" must be the start of section 4's heading (a heading
    may go on, e.g. with " (deep dive)"); a review without § names a place in 08 itself."""
    assert question.review
    sections = re.findall(r"§(\d+) ([^;]+)", question.review)
    if question.notebook == "08_interview_prep.ipynb":
        assert not sections
        title = question.review.split('"')[1]
        assert any(h.startswith(f"## {title}") for h in _headings(question.notebook))
        return
    assert sections, f"{question.key}: name at least one section as '§N Title'"
    headings = _headings(question.notebook)
    for number, title in sections:
        assert any(h.startswith(f"## {number} · {title.strip()}") for h in headings), (
            f"{question.key}: no section '{number} · {title}' in {question.notebook}"
        )


def test_final_text_gives_the_score_a_review_line_per_wrong_answer_and_the_unanswered() -> None:
    q1, q2 = QUESTIONS[:2]
    result = score(QUESTIONS[:3], {q1.key: (q1.answer + 1) % len(q1.options), q2.key: q2.answer})
    assert to_review(QUESTIONS[:3], result) == (q1,)
    lines = final_text(QUESTIONS[:3], result).splitlines()
    assert lines[0] == "Final score: 1 of 3 right on the first try."
    assert lines[2] == f"- {q1.topic} → {notebook_label(q1.notebook)}: {q1.review}"
    assert lines[-1].startswith("Questions not checked yet (1): 3.")
    assert len(lines) == 4


def test_final_text_when_everything_is_right() -> None:
    key = {q.key: q.answer for q in QUESTIONS}
    text = final_text(QUESTIONS, score(QUESTIONS, key))
    assert text == (
        f"Final score: {len(QUESTIONS)} of {len(QUESTIONS)} right on the first try.\n"
        "Every question right on the first try: nothing to review."
    )


def test_a_review_line_without_a_section_names_the_notebook() -> None:
    q = Question("k", "Topic", "p", ("a", "b"), 0, ("x", "y"), "04_snapshots.ipynb")
    assert review_line(q) == "Topic → 04 Snapshots: 04 Snapshots"


# -- the words of the quiz are data too -----------------------------------------------------
def test_the_words_file_holds_the_panels_labels_and_templates() -> None:
    files = resources.files("esbank.teach.interview")
    words = json.loads(files.joinpath("words.json").read_text(encoding="utf-8"))
    literals = _string_literals(Path(str(files)))
    for group in ("feedback", "panel", "score"):
        for name, text in words[group].items():
            assert word(group, name) == text
            assert not any(text in s for s in literals), f"{group}.{name} is hard-coded"
    for name, (label, tooltip) in words["buttons"].items():
        assert button_words(name) == (label, tooltip)
        assert label not in literals and tooltip not in literals, f"button {name} is hard-coded"


def _string_literals(folder: Path) -> set[str]:
    """Every string constant of the package's modules except docstrings."""
    found: set[str] = set()
    for source in folder.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        docstrings = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        found |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        }
    return found


def test_a_missing_word_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgument, match=r"has no text score\.nope"):
        word("score", "nope")
    with pytest.raises(InvalidArgument, match="has no button 'nope'"):
        button_words("nope")
