"""The quiz panel without a browser: choose, click, read the widgets back."""

from __future__ import annotations

import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.interview import QUESTIONS, Question, QuizPanel, quiz_panel
from esbank.teach.interview.panel import PANEL_CLASS


def wrong_choice(panel: QuizPanel) -> int:
    q = panel.question
    return next(i for i in range(len(q.options)) if i != q.answer)


def answer(panel: QuizPanel, choice: int) -> None:
    panel.choices.value = choice
    panel.check_button.click()


def test_panel_has_stable_classes_and_descriptive_buttons() -> None:
    panel = quiz_panel()
    assert PANEL_CLASS == "esbank-quiz"
    assert PANEL_CLASS in panel.widget._dom_classes
    assert panel.previous_button.description == "Previous question"
    assert panel.check_button.description == "Check answer"
    assert panel.next_button.description == "Next question"
    assert panel.restart_button.description == "Start over"
    named = {
        "feedback": panel.feedback,
        "score": panel.score,
        "choices": panel.choices,
        "previous": panel.previous_button,
        "check": panel.check_button,
        "next": panel.next_button,
        "restart": panel.restart_button,
    }
    for name, widget in named.items():
        assert f"{PANEL_CLASS}-{name}" in widget._dom_classes
    assert all(b.tooltip for b in (panel.previous_button, panel.restart_button))


def test_a_new_panel_starts_at_question_1_with_nothing_answered() -> None:
    panel = quiz_panel()
    assert panel.current == 0 and not panel.finished
    assert panel.choices.value is None and panel.feedback.value == ""
    assert panel.first_choices == {} and panel.score.value == ""
    assert panel.progress.value == (
        f"Question 1 of {len(QUESTIONS)} · right on the first try: 0 of 0 checked"
    )
    assert panel.previous_button.disabled and not panel.next_button.disabled


def test_two_panels_share_nothing() -> None:
    """A demo cell driving its own panel leaves the learner's panel as it was."""
    learner, demo = quiz_panel(), quiz_panel()
    answer(demo, wrong_choice(demo))
    demo.next_button.click()
    assert learner.current == 0 and learner.first_choices == {}
    assert "0 of 0 checked" in learner.progress.value


def test_check_without_a_choice_asks_for_one() -> None:
    panel = quiz_panel()
    panel.check_button.click()
    assert "Choose an answer first" in panel.feedback.value
    assert panel.first_tries == {}


def test_wrong_then_right_answer_shows_feedback_and_link_and_scores_the_first_try() -> None:
    panel = quiz_panel()
    q = panel.question
    wrong = wrong_choice(panel)
    answer(panel, wrong)
    assert "Not quite" in panel.feedback.value
    assert q.feedback[wrong].split(",")[0] in panel.feedback.value
    assert f'href="{q.notebook}"' in panel.feedback.value
    answer(panel, q.answer)
    assert "Right." in panel.feedback.value
    assert panel.first_tries == {q.key: False}
    assert "right on the first try: 0 of 1 checked" in panel.progress.value


def test_next_question_clears_choice_and_feedback() -> None:
    panel = quiz_panel(QUESTIONS[:3])
    answer(panel, 0)
    panel.next_button.click()
    assert panel.current == 1
    assert panel.choices.value is None and panel.feedback.value == ""
    assert QUESTIONS[1].prompt in panel.prompt.value
    assert [label for label, _ in panel.choices.options] == list(QUESTIONS[1].options)
    assert "Question 2 of 3" in panel.progress.value
    assert not panel.previous_button.disabled


def test_previous_shows_the_answer_checked_there_and_stops_at_question_1() -> None:
    panel = quiz_panel(QUESTIONS[:3])
    first = wrong_choice(panel)
    answer(panel, first)
    panel.next_button.click()
    panel.previous_button.click()
    assert panel.current == 0
    assert panel.choices.value == first
    assert "Not quite" in panel.feedback.value
    assert panel.last_feedback is not None and panel.last_feedback.choice == first
    panel.previous_button.click()
    assert panel.current == 0 and panel.previous_button.disabled


def test_only_the_first_try_counts_even_after_coming_back() -> None:
    panel = quiz_panel(QUESTIONS[:2])
    answer(panel, wrong_choice(panel))
    answer(panel, panel.question.answer)
    panel.next_button.click()
    panel.previous_button.click()
    answer(panel, panel.question.answer)
    assert panel.first_tries == {QUESTIONS[0].key: False}
    assert panel.result().right == 0


def test_the_last_question_leads_to_the_final_score_with_what_to_review() -> None:
    panel = quiz_panel(QUESTIONS[:3])
    answer(panel, wrong_choice(panel))  # question 1 wrong at the first try
    panel.next_button.click()
    answer(panel, panel.question.answer)  # question 2 right
    panel.next_button.click()  # question 3 left unchecked
    assert panel.next_button.description == "Final score"
    panel.next_button.click()
    assert panel.finished
    assert panel.choices.layout.display == "none" and panel.prompt.value == ""
    assert panel.check_button.disabled and panel.next_button.disabled
    assert not panel.previous_button.disabled
    final = panel.score.value
    assert "Final score: 1 of 3 right on the first try." in final
    wrong = QUESTIONS[0]
    assert f'href="{wrong.notebook}"' in final and wrong.topic in final
    assert wrong.review.split(";")[0] in final
    assert QUESTIONS[1].review not in final
    assert "not checked yet (1): 3." in final
    assert panel.progress.value == "Finished · right on the first try: 1 of 3"
    assert panel.final_text().splitlines()[0] == "Final score: 1 of 3 right on the first try."


def test_all_right_says_there_is_nothing_to_review() -> None:
    panel = quiz_panel(QUESTIONS[:2])
    for _ in range(2):
        answer(panel, panel.question.answer)
        panel.next_button.click()
    assert panel.finished
    assert "Final score: 2 of 2" in panel.score.value
    assert "nothing to review" in panel.score.value
    assert "not checked yet" not in panel.score.value


def test_check_and_next_do_nothing_on_the_final_score_and_previous_goes_back() -> None:
    panel = quiz_panel(QUESTIONS[:1])
    answer(panel, panel.question.answer)
    panel.next_button.click()
    assert panel.finished
    panel.check_button.click()
    panel.next_button.click()
    assert panel.finished and panel.first_choices == {QUESTIONS[0].key: QUESTIONS[0].answer}
    panel.previous_button.click()
    assert not panel.finished and panel.current == 0
    assert panel.choices.value == QUESTIONS[0].answer and panel.score.value == ""
    assert panel.choices.layout.display is None


@pytest.mark.parametrize("finish_first", [False, True])
def test_start_over_forgets_every_answer(finish_first: bool) -> None:
    panel = quiz_panel(QUESTIONS[:2])
    answer(panel, wrong_choice(panel))
    panel.next_button.click()
    if finish_first:
        panel.next_button.click()
    panel.restart_button.click()
    assert panel.current == 0 and not panel.finished
    assert panel.first_choices == {} and panel.last_choices == {}
    assert panel.choices.value is None and panel.feedback.value == ""
    assert panel.progress.value == "Question 1 of 2 · right on the first try: 0 of 0 checked"
    assert panel.next_button.description == "Next question"


def test_show_refuses_an_index_that_is_no_question() -> None:
    panel = quiz_panel(QUESTIONS[:2])
    for index in (-1, 2, True, "1"):
        with pytest.raises(InvalidArgument, match="question index must be 0 to 1"):
            panel.show(index)  # type: ignore[arg-type]


def test_snapshot_html_and_repr_for_static_renderers() -> None:
    panel = quiz_panel()
    answer(panel, panel.question.answer)
    frozen = panel.snapshot_html()
    assert 'class="esbank-quiz-snapshot"' in frozen
    assert "◉" in frozen and "Right." in frozen
    assert panel._repr_mimebundle_()["text/plain"] == (
        "Quiz panel (run the cell in Jupyter to use it)"
    )
    assert " at 0x" not in repr(panel)


def test_snapshot_of_the_final_score() -> None:
    panel = quiz_panel(QUESTIONS[:1])
    answer(panel, wrong_choice(panel))
    panel.next_button.click()
    frozen = panel.snapshot_html()
    assert "Finished" in frozen and "Final score: 0 of 1" in frozen
    assert QUESTIONS[0].topic in frozen and "◉" not in frozen
    assert repr(panel) == "QuizPanel(final score of 1)"


def test_empty_quiz_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        quiz_panel([])


def test_a_question_without_sections_to_review_names_its_notebook() -> None:
    bare = Question("k", "Topic", "Prompt?", ("a", "b"), 0, ("yes", "no"), "04_snapshots.ipynb")
    panel = quiz_panel([bare])
    answer(panel, 1)
    panel.next_button.click()
    assert "Topic → " in panel.score.value
    assert panel.score.value.count("04 Snapshots") == 2  # the link, then the section
