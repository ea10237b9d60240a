"""The self-check quiz of notebook 08: the classic interview questions and pitfalls.

The questions are data (``questions.json`` next to this module, so their text can be
translated without touching code); a :class:`Question` is one of them, :func:`grade` turns a
choice into :class:`Feedback` and :func:`score` grades a whole set of answers. Pure.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from esbank.domain.arguments import is_int
from esbank.domain.errors import InvalidArgument
from esbank.teach.interview.data import load

QUESTIONS_FILE = "questions.json"


@dataclass(frozen=True, slots=True)
class Question:
    """One multiple-choice question: options, the right one, feedback per option, and where
    the kit explains it (a notebook file name such as ``"04_snapshots.ipynb"``)."""

    key: str
    topic: str
    prompt: str
    options: tuple[str, ...]
    answer: int
    feedback: tuple[str, ...]
    notebook: str

    def __post_init__(self) -> None:
        if len(self.options) < 2 or len(self.options) != len(self.feedback):
            raise InvalidArgument(
                f"question {self.key!r} needs two or more options and one feedback per option"
            )
        if not 0 <= self.answer < len(self.options):
            raise InvalidArgument(f"question {self.key!r}: answer {self.answer} is no option")
        if not self.notebook.endswith(".ipynb"):
            raise InvalidArgument(f"question {self.key!r}: notebook must be an .ipynb file name")


def notebook_label(name: str) -> str:
    """``"03_replay_and_time_travel.ipynb"`` → ``"03 Replay and time travel"``."""
    stem = name.removesuffix(".ipynb")
    number, _, words = stem.partition("_")
    return f"{number} {words.replace('_', ' ').capitalize()}".strip()


@dataclass(frozen=True, slots=True)
class Feedback:
    """The verdict on one choice: right or not, what to think about, and where to read more."""

    question: str
    choice: int
    correct: bool
    text: str
    notebook: str

    @property
    def link_html(self) -> str:
        """A relative link to the notebook that explains the question."""
        name = html.escape(self.notebook)
        return f'<a href="{name}" target="_blank">{html.escape(notebook_label(self.notebook))}</a>'

    def plain(self) -> str:
        """One plain-text line: ✅ or ❌, the feedback, and the notebook to read."""
        mark = "✅ Right." if self.correct else "❌ Not quite."
        return f"{mark} {self.text} Read more: {self.notebook}"

    def html(self) -> str:
        """The feedback as an HTML fragment with a relative link to the notebook."""
        css = "esbank-quiz-right" if self.correct else "esbank-quiz-wrong"
        mark = "✅ Right." if self.correct else "❌ Not quite."
        return (
            f'<div class="{css}"><b>{mark}</b> {html.escape(self.text)}<br>'
            f"Read more: {self.link_html}</div>"
        )


def grade(question: Question, choice: int) -> Feedback:
    """Grade ``choice`` (an option index, 0 = the first option) for ``question``. Pure."""
    if not is_int(choice):
        raise InvalidArgument(f"choice must be an option number (int), got {choice!r}")
    if not 0 <= choice < len(question.options):
        raise InvalidArgument(
            f"question {question.key!r} has options 0 to {len(question.options) - 1}, got {choice}"
        )
    return Feedback(
        question=question.key,
        choice=choice,
        correct=choice == question.answer,
        text=question.feedback[choice],
        notebook=question.notebook,
    )


@dataclass(frozen=True, slots=True)
class Score:
    """A set of answers graded: how many right, and the feedback for each answered question."""

    right: int
    total: int
    unanswered: tuple[str, ...]
    feedback: tuple[Feedback, ...]

    @property
    def wrong(self) -> tuple[Feedback, ...]:
        """The feedback of the answers that were not right."""
        return tuple(f for f in self.feedback if not f.correct)


def score(questions: Sequence[Question], answers: Mapping[str, int]) -> Score:
    """Grade ``answers`` (question key → option index) against ``questions``. Pure."""
    if not isinstance(answers, Mapping):
        raise InvalidArgument(
            f"answers must be a dict of question key -> option number, got {type(answers).__name__}"
        )
    keys = [q.key for q in questions]
    unknown = sorted(k for k in answers if k not in keys)
    if unknown:
        raise InvalidArgument(f"no question with key(s) {unknown}; the keys are {keys}")
    graded = tuple(grade(q, answers[q.key]) for q in questions if q.key in answers)
    unanswered = tuple(k for k in keys if k not in answers)
    return Score(sum(f.correct for f in graded), len(questions), unanswered, graded)


def quiz_text(questions: Sequence[Question]) -> str:
    """All questions as plain text with numbered options (no answers): a study sheet."""
    blocks = []
    for n, q in enumerate(questions, start=1):
        lines = [f"{n}. [{q.key}] ({q.topic}) {q.prompt}"]
        lines += [f"   {i}) {option}" for i, option in enumerate(q.options)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def question_from(data: Mapping[str, Any]) -> Question:
    """A :class:`Question` from one entry of the questions file."""
    return Question(
        key=data["key"],
        topic=data["topic"],
        prompt=data["prompt"],
        options=tuple(data["options"]),
        answer=data["answer"],
        feedback=tuple(data["feedback"]),
        notebook=data["notebook"],
    )


def load_questions(name: str = QUESTIONS_FILE) -> tuple[Question, ...]:
    """The questions of the data file ``name`` next to this module, in file order."""
    return tuple(question_from(entry) for entry in load(name)["questions"])


QUESTIONS: tuple[Question, ...] = load_questions()
"""The quiz of notebook 08: the five interview questions, the five pitfalls, and fit."""
