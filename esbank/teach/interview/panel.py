"""The quiz panel of notebook 08: a question, radio buttons, and "Previous question",
"Check answer", "Next question" (on the last question "Final score") and "Start over".

A thin ipywidgets shell over :mod:`~esbank.teach.interview.quiz` (``grade``, ``score``,
``to_review``); its words come from ``words.json``. Callbacks only write widget traits.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import ClassVar

import ipywidgets as widgets

from esbank.domain.arguments import is_int
from esbank.domain.errors import InvalidArgument
from esbank.teach import ui
from esbank.teach.interview.quiz import (
    QUESTIONS,
    Feedback,
    Question,
    Score,
    final_text,
    grade,
    notebook_link,
    review_section,
    score,
    to_review,
    unanswered_line,
)
from esbank.teach.interview.words import button_words, word

PANEL_CLASS = "esbank-quiz"
STYLE = ui.style(
    ".esbank-quiz-right {color: #1b5e20;} .esbank-quiz-wrong {color: #a40000;}"
    ".esbank-quiz-snapshot {border: 1px solid #ccc; padding: 0.4em 0.8em; max-width: 52em;}"
    ".esbank-quiz-snapshot ul.esbank-quiz-options {list-style: none; padding-left: 0.5em;}"
)


def _button(name: str, style: str = "") -> widgets.Button:
    label, tooltip = button_words(name)
    return ui.button(PANEL_CLASS, name, label, tooltip, style)


def score_html(questions: Sequence[Question], result: Score) -> str:
    """The final score as HTML: the score, a linked line per wrong answer saying what to
    review, and the questions not checked yet."""
    title = word("score", "title", right=result.right, total=result.total)
    parts = [f"<p><b>{html.escape(title)}</b></p>"]
    wrong = to_review(questions, result)
    if wrong:
        template = html.escape(word("score", "review_line"))
        items = "".join(
            "<li>"
            + template.format(
                topic=html.escape(q.topic),
                notebook=notebook_link(q.notebook),
                section=html.escape(review_section(q)),
            )
            + "</li>"
            for q in wrong
        )
        parts.append(f"<p>{html.escape(word('score', 'review'))}</p><ul>{items}</ul>")
    elif not result.unanswered:
        parts.append(f"<p>{html.escape(word('score', 'all_right'))}</p>")
    missing = unanswered_line(questions, result)
    if missing:
        parts.append(f"<p>{html.escape(missing)}</p>")
    parts.append(f"<p><i>{html.escape(word('score', 'again'))}</i></p>")
    return f'<div class="{PANEL_CLASS}-final">{"".join(parts)}</div>'


class QuizPanel(ui.Shell):
    """The widgets of one quiz panel; display ``.widget`` (or the panel itself).

    Callbacks only write widget traits. ``current`` is the index of the question shown,
    ``finished`` whether the final score is shown instead; ``first_choices`` holds the first
    checked choice per question (the score counts only those), ``last_choices`` the latest
    (shown again when the learner comes back to a question).
    """

    label: ClassVar[str] = "Quiz panel"

    def __init__(self, questions: Sequence[Question]) -> None:
        if not questions:
            raise InvalidArgument("a quiz needs at least one question")
        self.questions: tuple[Question, ...] = tuple(questions)
        self.current = 0
        self.finished = False
        self.first_choices: dict[str, int] = {}
        self.last_choices: dict[str, int] = {}
        self.last_feedback: Feedback | None = None
        self.progress, self.prompt, self.feedback, self.score = (
            ui.classed(PANEL_CLASS, css, widgets.HTML())
            for css in ("progress", "prompt", "feedback", "score")
        )
        self.choices = ui.classed(
            PANEL_CLASS,
            "choices",
            widgets.RadioButtons(options=[], value=None, layout={"width": "auto"}),
        )
        self.previous_button = _button("previous")
        self.check_button = _button("check", "primary")
        self.next_button = _button("next")
        self.restart_button = _button("restart")
        buttons = widgets.HBox(
            [self.previous_button, self.check_button, self.next_button, self.restart_button]
        )
        self.widget = ui.root(
            PANEL_CLASS,
            [self.progress, self.prompt, self.choices, buttons, self.feedback, self.score],
            css=STYLE,
        )
        self.previous_button.on_click(lambda _button: self.previous())
        self.check_button.on_click(lambda _button: self.check())
        self.next_button.on_click(lambda _button: self.next())
        self.restart_button.on_click(lambda _button: self.restart())
        self.show(0)

    @property
    def question(self) -> Question:
        """The question on screen (the last one while the final score is shown)."""
        return self.questions[self.current]

    @property
    def first_tries(self) -> dict[str, bool]:
        """Whether the first checked answer to each question was right."""
        chosen = self.first_choices
        return {q.key: chosen[q.key] == q.answer for q in self.questions if q.key in chosen}

    def result(self) -> Score:
        """The score of the first tries so far (unchecked questions listed as unanswered)."""
        return score(self.questions, self.first_choices)

    def show(self, index: int) -> None:
        """Put question ``index`` (0 = the first) on screen, with the answer last checked for
        it and its feedback, or with no answer chosen."""
        if not is_int(index) or not 0 <= index < len(self.questions):
            raise InvalidArgument(
                f"question index must be 0 to {len(self.questions) - 1}, got {index!r}"
            )
        self.current, self.finished = index, False
        q = self.question
        self.prompt.value = f"<b>{html.escape(q.topic)}</b><br>{html.escape(q.prompt)}"
        self.choices.options = [(option, i) for i, option in enumerate(q.options)]
        self.choices.value = self.last_choices.get(q.key)
        self.choices.layout.display = None
        self.last_feedback = (
            grade(q, self.last_choices[q.key]) if q.key in self.last_choices else None
        )
        self.feedback.value = self.last_feedback.html() if self.last_feedback else ""
        self.score.value = ""
        self._sync()

    def check(self) -> None:
        """Grade the chosen answer and show the feedback (or ask for a choice first)."""
        if self.finished:
            return
        choice = self.choices.value
        if choice is None:
            self.feedback.value = f"<i>{html.escape(word('panel', 'choose_first'))}</i>"
            return
        result = grade(self.question, choice)
        self.last_feedback = result
        self.first_choices.setdefault(self.question.key, choice)
        self.last_choices[self.question.key] = choice
        self.feedback.value = result.html()
        self._sync()

    def next(self) -> None:
        """Show the next question; after the last one, the final score."""
        if self.finished:
            return
        if self.current == len(self.questions) - 1:
            self.finish()
        else:
            self.show(self.current + 1)

    def previous(self) -> None:
        """Show the previous question (from the final score: the last question)."""
        if self.finished:
            self.show(self.current)
        elif self.current > 0:
            self.show(self.current - 1)

    def finish(self) -> None:
        """Show the final score and what to review instead of a question."""
        self.finished = True
        self.prompt.value = ""
        self.choices.layout.display = "none"
        self.feedback.value = ""
        self.last_feedback = None
        self.score.value = score_html(self.questions, self.result())
        self._sync()

    def restart(self) -> None:
        """Forget every answer and show question 1."""
        self.first_choices.clear()
        self.last_choices.clear()
        self.show(0)

    def _sync(self) -> None:
        self.progress.value = html.escape(self.progress_text())
        self.previous_button.disabled = not self.finished and self.current == 0
        self.check_button.disabled = self.next_button.disabled = self.finished
        last = self.current == len(self.questions) - 1
        label, tooltip = button_words("finish" if last else "next")
        self.next_button.description, self.next_button.tooltip = label, tooltip

    def progress_text(self) -> str:
        """Where the learner is, and the score of first tries so far."""
        right = sum(self.first_tries.values())
        if self.finished:
            return word("panel", "finished", right=right, total=len(self.questions))
        return word(
            "panel",
            "progress",
            number=self.current + 1,
            total=len(self.questions),
            right=right,
            checked=len(self.first_choices),
        )

    def final_text(self) -> str:
        """The final score as plain text (see :func:`~esbank.teach.interview.quiz.final_text`)."""
        return final_text(self.questions, self.result())

    def snapshot_html(self) -> str:
        """The panel as one static HTML block (question, options, choice, feedback, or the
        final score): frozen."""
        progress = f"<p>{html.escape(self.progress_text())}</p>"
        if self.finished:
            return ui.snapshot(PANEL_CLASS, STYLE, progress, self.score.value)
        q = self.question
        items = "".join(
            f"<li>{'◉' if self.choices.value == i else '○'} {html.escape(option)}</li>"
            for i, option in enumerate(q.options)
        )
        feedback = self.last_feedback.html() if self.last_feedback else ""
        return ui.snapshot(
            PANEL_CLASS,
            STYLE,
            progress,
            f"<p><b>{html.escape(q.topic)}</b><br>{html.escape(q.prompt)}</p>",
            f'<ul class="{PANEL_CLASS}-options">{items}</ul>{feedback}',
        )

    def __repr__(self) -> str:
        where = "final score" if self.finished else f"question {self.current + 1}"
        return f"QuizPanel({where} of {len(self.questions)})"


def quiz_panel(questions: Sequence[Question] = QUESTIONS) -> QuizPanel:
    """Build the quiz panel: a question, radio buttons, "Previous question", "Check answer",
    "Next question" ("Final score" on the last question) and "Start over"."""
    return QuizPanel(questions)
