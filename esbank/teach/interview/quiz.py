"""The self-check quiz of notebook 08: the classic interview questions and pitfalls.

The questions are data (``questions.json`` next to this module, so their text can be
translated without touching code); a :class:`Question` is one of them, :func:`grade` turns a
choice into :class:`Feedback`, :func:`score` grades a whole set of answers and
:func:`final_text` says what the score means and what to review. No I/O but reading the
package's own data files (the questions, and the quiz's words in ``words.json``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from esbank.domain.arguments import is_int
from esbank.domain.errors import InvalidArgument
from esbank.teach.interview.data import load
from esbank.teach.interview.words import word

QUESTIONS_FILE = "questions.json"


@dataclass(frozen=True, slots=True)
class Question:
    """One multiple-choice question: options, the right one, feedback per option, and where
    the kit explains it (a notebook file name such as ``"04_snapshots.ipynb"``, and in
    ``review`` the sections of that notebook to reread after a wrong answer)."""

    key: str
    topic: str
    prompt: str
    options: tuple[str, ...]
    answer: int
    feedback: tuple[str, ...]
    notebook: str
    review: str = ""

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


def notebook_link(name: str) -> str:
    """A relative HTML link to the notebook file ``name``, labelled by :func:`notebook_label`."""
    return f'<a href="{html.escape(name)}" target="_blank">{html.escape(notebook_label(name))}</a>'


@dataclass(frozen=True, slots=True)
class Feedback:
    """The verdict on one choice: right or not, what to think about, and where to read more."""

    question: str
    choice: int
    correct: bool
    text: str
    notebook: str

    @property
    def mark(self) -> str:
        """The mark in front of the feedback, right or not (from the words file)."""
        return word("feedback", "right" if self.correct else "wrong")

    @property
    def link_html(self) -> str:
        """A relative link to the notebook that explains the question."""
        return notebook_link(self.notebook)

    def plain(self) -> str:
        """One plain-text line: ✅ or ❌, the feedback, and the notebook to read."""
        return f"{self.mark} {self.text} {word('feedback', 'read_more')} {self.notebook}"

    def html(self) -> str:
        """The feedback as an HTML fragment with a relative link to the notebook."""
        css = "esbank-quiz-right" if self.correct else "esbank-quiz-wrong"
        return (
            f'<div class="{css}"><b>{html.escape(self.mark)}</b> {html.escape(self.text)}<br>'
            f"{html.escape(word('feedback', 'read_more'))} {self.link_html}</div>"
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


def to_review(questions: Sequence[Question], result: Score) -> tuple[Question, ...]:
    """The questions ``result`` answered wrong, in quiz order: what to reread."""
    wrong = {f.question for f in result.wrong}
    return tuple(q for q in questions if q.key in wrong)


def review_section(question: Question) -> str:
    """The sections to reread after a wrong answer (the notebook's name when none is given)."""
    return question.review or notebook_label(question.notebook)


def review_line(question: Question) -> str:
    """Where to reread one question: its section here, then the notebook and sections."""
    return word(
        "score",
        "review_line",
        topic=question.topic,
        notebook=notebook_label(question.notebook),
        section=review_section(question),
    )


def unanswered_line(questions: Sequence[Question], result: Score) -> str:
    """Which questions ``result`` left unchecked, by number ("" when none)."""
    if not result.unanswered:
        return ""
    numbers = [str(n) for n, q in enumerate(questions, 1) if q.key in result.unanswered]
    return word("score", "unanswered", count=len(numbers), numbers=", ".join(numbers))


def final_text(questions: Sequence[Question], result: Score) -> str:
    """The final score as plain text: the score, what to review for each wrong answer, and
    the questions not answered yet."""
    lines = [word("score", "title", right=result.right, total=result.total)]
    wrong = to_review(questions, result)
    if wrong:
        lines += [word("score", "review"), *(f"- {review_line(q)}" for q in wrong)]
    elif not result.unanswered:
        lines.append(word("score", "all_right"))
    lines += [line for line in [unanswered_line(questions, result)] if line]
    return "\n".join(lines)


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
        review=data.get("review", ""),
    )


def load_questions(name: str = QUESTIONS_FILE) -> tuple[Question, ...]:
    """The questions of the data file ``name`` next to this module, in file order."""
    return tuple(question_from(entry) for entry in load(name)["questions"])


QUESTIONS: tuple[Question, ...] = load_questions()
"""The quiz of notebook 08: the five interview questions, the five pitfalls, and fit."""
