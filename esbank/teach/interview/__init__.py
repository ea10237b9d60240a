"""Notebook 08, interview preparation: the quiz (questions as data), its panel and self-check,
the decision checklist, and the tools of earlier lessons its demos use (a race, conflict
rates, the replay-cost table), all shared modules of ``esbank.teach``."""

from esbank.teach.conflicts import conflict_rates
from esbank.teach.interview import checks
from esbank.teach.interview.checklist import (
    CHECKLIST,
    Criterion,
    Verdict,
    checklist_frame,
    should_event_source,
)
from esbank.teach.interview.panel import QuizPanel, quiz_panel
from esbank.teach.interview.quiz import (
    QUESTIONS,
    Feedback,
    Question,
    Score,
    grade,
    notebook_label,
    quiz_text,
    score,
)
from esbank.teach.race import new_race_account, run_race
from esbank.teach.replay_cost import replay_cost_table

__all__ = [
    "CHECKLIST",
    "QUESTIONS",
    "Criterion",
    "Feedback",
    "Question",
    "QuizPanel",
    "Score",
    "Verdict",
    "checklist_frame",
    "checks",
    "conflict_rates",
    "grade",
    "new_race_account",
    "notebook_label",
    "quiz_panel",
    "quiz_text",
    "replay_cost_table",
    "run_race",
    "score",
    "should_event_source",
]
