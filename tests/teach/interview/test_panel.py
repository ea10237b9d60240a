"""The quiz panel without a browser: choose, click, read the widgets back."""

from __future__ import annotations

import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.interview import QUESTIONS, quiz_panel
from esbank.teach.interview.panel import PANEL_CLASS


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
