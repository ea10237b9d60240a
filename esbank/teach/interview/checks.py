"""The self-check of notebook 08: the quiz answered as a dict, graded question by question."""

from __future__ import annotations

from typing import Any

from esbank.domain.errors import InvalidArgument
from esbank.teach.grading import failed, passed
from esbank.teach.interview.quiz import QUESTIONS, score


def check_quiz_answers(answers: Any) -> bool:
    """Notebook 08's self-check: grade ``answers`` (question key -> option number, from 0)."""
    if not isinstance(answers, dict) or not answers:
        return failed(
            "no answers yet.",
            "fill my_answers with question key -> option number (0 is the first option), "
            'e.g. {"q1-cqrs-without-es": 0}, using the keys printed by quiz_text.',
        )
    try:
        result = score(QUESTIONS, answers)
    except InvalidArgument as exc:
        return failed(str(exc), "use the keys and option numbers printed by quiz_text.")
    if result.wrong:
        listed = "; ".join(f"{f.question} (read {f.notebook})" for f in result.wrong)
        return failed(
            f"{result.right} of {len(result.feedback)} answers right; not yet: {listed}.",
            "grade one of them with grade(question, choice) to see why, or reread the notebook.",
        )
    if result.unanswered:
        return failed(
            f"all {result.right} answers right, {len(result.unanswered)} question(s) to go: "
            f"{', '.join(result.unanswered)}.",
            "answer the rest the same way.",
        )
    return passed(f"all {result.total} questions answered right.")
