"""The quiz panel of notebook 08: a question, radio buttons, "Check answer", "Next question".

A thin ipywidgets shell over :func:`~esbank.teach.interview.quiz.grade`; callbacks only write
widget traits.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import ClassVar

import ipywidgets as widgets

from esbank.domain.errors import InvalidArgument
from esbank.teach import ui
from esbank.teach.interview.quiz import QUESTIONS, Feedback, Question, grade

PANEL_CLASS = "esbank-quiz"
STYLE = ui.style(
    ".esbank-quiz-right {color: #1b5e20;} .esbank-quiz-wrong {color: #a40000;}"
    ".esbank-quiz-snapshot {border: 1px solid #ccc; padding: 0.4em 0.8em; max-width: 52em;}"
    ".esbank-quiz-snapshot ul {list-style: none; padding-left: 0.5em;}"
)


class QuizPanel(ui.Shell):
    """The widgets of one quiz panel; display ``.widget`` (or the panel itself).

    Callbacks only write widget traits. ``current`` is the index of the question shown;
    ``first_tries`` records whether the first checked answer to each question was right.
    """

    label: ClassVar[str] = "Quiz panel"

    def __init__(self, questions: Sequence[Question]) -> None:
        if not questions:
            raise InvalidArgument("a quiz needs at least one question")
        self.questions: tuple[Question, ...] = tuple(questions)
        self.current = 0
        self.first_tries: dict[str, bool] = {}
        self.last_feedback: Feedback | None = None
        self.progress, self.prompt, self.feedback = (
            ui.classed(PANEL_CLASS, css, widgets.HTML())
            for css in ("progress", "prompt", "feedback")
        )
        self.choices = ui.classed(
            PANEL_CLASS,
            "choices",
            widgets.RadioButtons(options=[], value=None, layout={"width": "auto"}),
        )
        self.check_button = ui.button(
            PANEL_CLASS, "check", "Check answer", "Grade the chosen answer", "primary"
        )
        self.next_button = ui.button(
            PANEL_CLASS, "next", "Next question", "Go on to the next question"
        )
        buttons = widgets.HBox([self.check_button, self.next_button])
        self.widget = ui.root(
            PANEL_CLASS, [self.progress, self.prompt, self.choices, buttons, self.feedback]
        )
        self.check_button.on_click(lambda _button: self.check())
        self.next_button.on_click(lambda _button: self.next())
        self.show(0)

    @property
    def question(self) -> Question:
        """The question on screen."""
        return self.questions[self.current]

    def show(self, index: int) -> None:
        """Put question ``index`` on screen with no answer chosen and no feedback."""
        self.current = index % len(self.questions)
        q = self.question
        self.prompt.value = f"<b>{html.escape(q.topic)}</b><br>{html.escape(q.prompt)}"
        self.choices.options = [(option, i) for i, option in enumerate(q.options)]
        self.choices.value = None
        self.feedback.value = ""
        self.last_feedback = None
        self._update_progress()

    def check(self) -> None:
        """Grade the chosen answer and show the feedback (or ask for a choice first)."""
        choice = self.choices.value
        if choice is None:
            self.feedback.value = "<i>Choose an answer first, then check it.</i>"
            return
        result = grade(self.question, choice)
        self.last_feedback = result
        self.first_tries.setdefault(self.question.key, result.correct)
        self.feedback.value = STYLE + result.html()
        self._update_progress()

    def next(self) -> None:
        """Show the next question (after the last one, start again at the first)."""
        self.show(self.current + 1)

    def _update_progress(self) -> None:
        self.progress.value = html.escape(self.progress_text())

    def progress_text(self) -> str:
        """Where the learner is, and the score of first tries so far."""
        right = sum(self.first_tries.values())
        return (
            f"Question {self.current + 1} of {len(self.questions)} · right on the first try: "
            f"{right} of {len(self.first_tries)} checked"
        )

    def snapshot_html(self) -> str:
        """The panel as one static HTML block (question, options, choice, feedback): frozen."""
        q = self.question
        items = "".join(
            f"<li>{'◉' if self.choices.value == i else '○'} {html.escape(option)}</li>"
            for i, option in enumerate(q.options)
        )
        feedback = self.last_feedback.html() if self.last_feedback else ""
        return ui.snapshot(
            PANEL_CLASS,
            STYLE,
            f"<p>{html.escape(self.progress_text())}</p>",
            f"<p><b>{html.escape(q.topic)}</b><br>{html.escape(q.prompt)}</p>",
            f"<ul>{items}</ul>{feedback}",
        )

    def __repr__(self) -> str:
        return f"QuizPanel(question {self.current + 1} of {len(self.questions)})"


def quiz_panel(questions: Sequence[Question] = QUESTIONS) -> QuizPanel:
    """Build the quiz panel: a question, radio buttons, "Check answer", "Next question"."""
    return QuizPanel(questions)
