"""Notebook 08, interview preparation: the quiz (questions and its words as data), its panel
and self-check, the decision checklist, and the tools of earlier lessons its demos use (a
race, conflict rates, the replay-cost table, the source being taught), all shared modules of
``esbank.teach``; ``EVENTS_DDL`` is the DuckDB store's events table, as the store creates it."""

from esbank.eventstore.duckdb_files import SCHEMA as EVENTS_DDL
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
    final_text,
    grade,
    notebook_label,
    quiz_text,
    score,
    to_review,
)
from esbank.teach.race import new_race_account, run_race
from esbank.teach.replay_cost import replay_cost_table
from esbank.teach.source import show_source, show_sql

__all__ = [
    "CHECKLIST",
    "EVENTS_DDL",
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
    "final_text",
    "grade",
    "new_race_account",
    "notebook_label",
    "quiz_panel",
    "quiz_text",
    "replay_cost_table",
    "run_race",
    "score",
    "should_event_source",
    "show_source",
    "show_sql",
    "to_review",
]
