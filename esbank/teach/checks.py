"""Exercise checks. Each ``check_…(answer)`` prints ✅ or ❌ with a hint and returns a bool.

A check never raises because of the answer: an undefined answer (``None``), a stub that
still raises ``NotImplementedError`` or a wrong result all print a ❌ line and a hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from esbank.domain.events import (
    Event,
)

_ACCOUNT = UUID(int=0xE1)


def _passed(text: str) -> bool:
    print(f"✅ {text}")
    return True


def _failed(text: str, hint: str) -> bool:
    print(f"❌ {text}\n   Hint: {hint}")
    return False


def _show(events: Sequence[Event]) -> str:
    return "[" + ", ".join(repr(e) for e in events) + "]"


def _not_callable(name: str, answer: Any, cell: str) -> bool:
    if answer is None:
        return _failed(
            f"{name} is not defined yet.",
            f"write {name} in the {cell} cell, run that cell, then run this check again.",
        )
    return _failed(
        f"{name} must be a function, got {type(answer).__name__}.",
        f"define it with `def {name}(...):` in the {cell} cell.",
    )


# -- notebook 08: the interview quiz as a self-check -----------------------------------------
def check_quiz_answers(answers: Any) -> bool:
    """Notebook 08's self-check: grade ``answers`` (question key -> option number, from 0)."""
    from esbank.domain.errors import InvalidArgument
    from esbank.teach.quiz import QUESTIONS, score

    if not isinstance(answers, dict) or not answers:
        return _failed(
            "no answers yet.",
            "fill my_answers with question key -> option number (0 is the first option), "
            'e.g. {"q1-cqrs-without-es": 0}, using the keys printed by quiz_text.',
        )
    try:
        result = score(QUESTIONS, answers)
    except InvalidArgument as exc:
        return _failed(str(exc), "use the keys and option numbers printed by quiz_text.")
    if result.wrong:
        listed = "; ".join(f"{f.question} (read {f.notebook})" for f in result.wrong)
        return _failed(
            f"{result.right} of {len(result.feedback)} answers right; not yet: {listed}.",
            "grade one of them with grade(question, choice) to see why, or reread the notebook.",
        )
    if result.unanswered:
        return _failed(
            f"all {result.right} answers right, {len(result.unanswered)} question(s) to go: "
            f"{', '.join(result.unanswered)}.",
            "answer the rest the same way.",
        )
    return _passed(f"all {result.total} questions answered right.")
