"""The interview quiz: pure grading, the decision checklist, and the panel without a browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.quiz import (
    CHECKLIST,
    PANEL_CLASS,
    QUESTIONS,
    Question,
    grade,
    quiz_panel,
    quiz_text,
    score,
    should_event_source,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
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


# -- the decision checklist -----------------------------------------------------------------
def _answers(**yes: bool) -> dict[str, bool]:
    return {c.key: yes.get(c.key, False) for c in CHECKLIST}


def test_checklist_recommends_event_sourcing_for_an_audited_ledger() -> None:
    verdict = should_event_source(_answers(audit=True, complex_rules=True, history=True))
    assert verdict.recommendation.startswith("Event-source it")
    assert verdict.reasons_for == ("audit", "complex_rules", "history")
    assert verdict.reasons_against == ()


def test_checklist_mixed_answers_give_the_core_only_advice() -> None:
    verdict = should_event_source(
        _answers(audit=True, complex_rules=True, history=True, small_team=True)
    )
    assert verdict.recommendation.startswith("Event-source the core")


def test_checklist_says_store_state_for_crud() -> None:
    verdict = should_event_source(_answers(plain_crud=True, few_events=True))
    assert verdict.recommendation.startswith("Store state")
    assert should_event_source(_answers()).recommendation.startswith("Store state")


def test_checklist_refuses_missing_unknown_or_non_bool_answers() -> None:
    partial = _answers()
    del partial["audit"]
    for bad in (partial, {**_answers(), "extra": True}, {**_answers(), "audit": "yes"}):
        with pytest.raises(InvalidArgument):
            should_event_source(bad)


# -- the panel ------------------------------------------------------------------------------
def test_panel_has_stable_classes_and_descriptive_buttons() -> None:
    panel = quiz_panel()
    assert PANEL_CLASS == "esbank-quiz"
    assert PANEL_CLASS in panel.widget._dom_classes
    assert panel.check_button.description == "Check answer"
    assert panel.next_button.description == "Next question"
    assert f"{PANEL_CLASS}-feedback" in panel.feedback._dom_classes


def test_check_without_a_choice_asks_for_one() -> None:
    panel = quiz_panel()
    panel.check_button.click()
    assert "Choose an answer first" in panel.feedback.value
    assert panel.first_tries == {}


def test_wrong_then_right_answer_shows_feedback_and_link_and_scores_the_first_try() -> None:
    panel = quiz_panel()
    q = panel.question
    wrong = next(i for i in range(len(q.options)) if i != q.answer)
    panel.choices.value = wrong
    panel.check_button.click()
    assert "Not quite" in panel.feedback.value
    assert q.feedback[wrong].split(",")[0] in panel.feedback.value
    assert f'href="{q.notebook}"' in panel.feedback.value
    panel.choices.value = q.answer
    panel.check_button.click()
    assert "Right." in panel.feedback.value
    assert panel.first_tries == {q.key: False}
    assert "right on the first try: 0 of 1 checked" in panel.progress.value


def test_next_question_clears_choice_and_feedback_and_wraps_after_the_last() -> None:
    panel = quiz_panel(QUESTIONS[:3])
    panel.choices.value = 0
    panel.check_button.click()
    panel.next_button.click()
    assert panel.current == 1
    assert panel.choices.value is None and panel.feedback.value == ""
    assert QUESTIONS[1].prompt in panel.prompt.value
    assert [label for label, _ in panel.choices.options] == list(QUESTIONS[1].options)
    assert "Question 2 of 3" in panel.progress.value
    panel.next_button.click()
    panel.next_button.click()
    assert panel.current == 0


def test_snapshot_html_and_repr_for_static_renderers() -> None:
    panel = quiz_panel()
    panel.choices.value = panel.question.answer
    panel.check_button.click()
    frozen = panel.snapshot_html()
    assert 'class="esbank-quiz-snapshot"' in frozen
    assert "◉" in frozen and "Right." in frozen
    assert panel._repr_mimebundle_()["text/plain"] == (
        "Quiz panel (run the cell in Jupyter to use it)"
    )
    assert " at 0x" not in repr(panel)


def test_empty_quiz_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        quiz_panel([])


# -- the self-check of notebook 08 ----------------------------------------------------------
def test_check_quiz_answers_passes_the_answer_key_and_rejects_wrong_or_partial_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from esbank.teach.checks import check_quiz_answers

    key = {q.key: q.answer for q in QUESTIONS}
    assert check_quiz_answers(key)
    assert "✅" in capsys.readouterr().out
    wrong = {**key, QUESTIONS[0].key: (QUESTIONS[0].answer + 1) % len(QUESTIONS[0].options)}
    assert not check_quiz_answers(wrong)
    assert QUESTIONS[0].notebook in capsys.readouterr().out
    assert not check_quiz_answers({QUESTIONS[0].key: QUESTIONS[0].answer})
    assert "to go" in capsys.readouterr().out
    for bad in ({}, None, {"nope": 1}, {QUESTIONS[0].key: 42}):
        assert not check_quiz_answers(bad)
        assert "❌" in capsys.readouterr().out
