"""A self-check quiz on the classic interview questions and pitfalls, and a decision checklist.

Everything here except the panel is pure: a :class:`Question` is data, :func:`grade` turns a
choice into :class:`Feedback`, :func:`score` grades a whole set of answers, and
:func:`should_event_source` turns checklist answers into a recommendation. The panel built by
:func:`quiz_panel` is a thin ipywidgets shell over :func:`grade`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import ipywidgets as widgets
import pandas as pd

from esbank.domain.errors import InvalidArgument

PANEL_CLASS = "esbank-quiz"
STYLE = (
    "<style>"
    ".esbank-quiz-right {color: #1b5e20;} .esbank-quiz-wrong {color: #a40000;}"
    ".esbank-quiz-snapshot {border: 1px solid #ccc; padding: 0.4em 0.8em; max-width: 52em;}"
    ".esbank-quiz-snapshot ul {list-style: none; padding-left: 0.5em;}"
    "</style>"
)


# -- questions and grading -------------------------------------------------------------------
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


def notebook_label(name: str) -> str:
    """``"03_replay_and_time_travel.ipynb"`` → ``"03 Replay and time travel"``."""
    stem = name.removesuffix(".ipynb")
    number, _, words = stem.partition("_")
    return f"{number} {words.replace('_', ' ').capitalize()}".strip()


def grade(question: Question, choice: int) -> Feedback:
    """Grade ``choice`` (an option index, 0 = the first option) for ``question``. Pure."""
    if isinstance(choice, bool) or not isinstance(choice, int):
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


QUESTIONS: tuple[Question, ...] = (
    Question(
        key="q1-cqrs-without-es",
        topic="Q1 · CQRS and event sourcing",
        prompt="Can a system use CQRS without event sourcing?",
        options=(
            "No: a read model can only be fed from an event log.",
            "Yes: CQRS only splits the model that decides from the models that answer "
            "queries; the read side may be updated in the same transaction or from change "
            "data capture.",
            "Yes, but only if the queries read the events table directly.",
            "No: CQRS and event sourcing are two names for one pattern.",
        ),
        answer=1,
        feedback=(
            "A read model needs a feed of changes, and an event log is only one such feed. A "
            "trigger, the same transaction or change data capture work too.",
            "The two patterns are independent. They fit well together because an event log "
            "is a ready-made feed for read models, and read models spare the write side from "
            "replaying streams to answer queries.",
            "Reading the events table for queries is the opposite of CQRS: the split is "
            "exactly that queries read models built for them.",
            "Event sourcing is about how the write side stores its truth (events, not state); "
            "CQRS is about separating writes from reads. Either can exist without the other.",
        ),
        notebook="06_projections_and_read_models.ipynb",
    ),
    Question(
        key="q1-where-queries-read",
        topic="Q1 · CQRS and event sourcing",
        prompt="In esbank, where does Queries.balance(account) get its answer?",
        options=(
            "From the events table, by replaying the account's stream.",
            "From Bank.load, which uses a snapshot when there is one.",
            "From the account_balances read model, kept by a Projector.",
            "From the snapshots table.",
        ),
        answer=2,
        feedback=(
            "Replaying on every query is what CQRS avoids; esbank's queries never touch the "
            "events table.",
            "Bank.load is the write side: it rebuilds state to decide commands. Queries do not "
            "call the Bank.",
            "Queries read only read-model tables; a projector fills them from the log, from "
            "its own checkpoint.",
            "Snapshots speed up the write side's loads; they are not a read model.",
        ),
        notebook="06_projections_and_read_models.ipynb",
    ),
    Question(
        key="q2-old-rows",
        topic="Q2 · Schema evolution",
        prompt=(
            'A MoneyDeposited row was stored at schema version 1 as {"amount_eur": 25.1}. '
            "What happens when today's code reads it?"
        ),
        options=(
            "A migration rewrites the row in place at the current version the first time "
            "it is read.",
            "Upcasters turn the payload into version 2 and then version 3 on the way in; "
            "the stored row never changes.",
            "The read fails: old rows must be deleted when the event changes shape.",
            "The float is cut to 2509 cents, because 25.1 cannot be stored exactly.",
        ),
        answer=1,
        feedback=(
            "Reading never writes. A stored event is a fact; a copy-and-transform migration "
            "into a new store is possible, but it is a separate, offline step.",
            "Each upcaster takes one version to the next, so the chain v1 → v2 → v3 runs "
            "lazily on every read and the event arrives as MoneyDeposited(amount=2510).",
            "Deleting facts loses history. Old versions stay readable through upcasters.",
            "The v1 → v2 upcaster reads the float through its shortest decimal text, so 25.1 "
            "becomes exactly 2510 cents.",
        ),
        notebook="05_schema_evolution.ipynb",
    ),
    Question(
        key="p1-schema-version",
        topic="Pitfall 1 · Schema versioning out of control",
        prompt="Why store a schema_version with every event from the first release?",
        options=(
            "So that the database can reject old rows.",
            "So that readers know which upcasters to run; without it, a payload's shape "
            "has to be guessed from the fields it happens to have.",
            "It is only documentation; the code never reads it.",
            "So that events can be edited safely later.",
        ),
        answer=1,
        feedback=(
            "Old rows are never rejected: they are upcast. The version says how.",
            "A version per row makes every old shape explicit, and each change becomes one "
            "small pure function from version n to n + 1.",
            "The codec reads it on every event: it picks the chain of upcasters.",
            "Events are never edited; versions are what lets old ones stay as they are.",
        ),
        notebook="05_schema_evolution.ipynb",
    ),
    Question(
        key="q3-read-your-writes",
        topic="Q3 · Eventual consistency",
        prompt=(
            "A customer deposits money and at once opens the balance page, which still shows "
            "the old balance. Which fix keeps the read side asynchronous?"
        ),
        options=(
            "Read your own writes: the command returns its log position, and the query waits "
            "for (or refuses) a read model that has not reached it.",
            "Query the events table instead of the read model.",
            "Send the deposit command again until the page shows the new balance.",
            "Turn off the projector's batching.",
        ),
        answer=0,
        feedback=(
            "The writer knows where its write landed; carrying that position to the query "
            "lets the reader say 'not yet' instead of showing an old answer as if it were new.",
            "That gives up the read model for this page, and replays the stream on every view.",
            "Repeating a command deposits the money twice.",
            "Smaller batches shorten lag on average but promise nothing about one reader's write.",
        ),
        notebook="07_projection_lag.ipynb",
    ),
    Question(
        key="p2-lag-monitoring",
        topic="Pitfall 2 · Read-model lag underestimated",
        prompt="Projections look instant on a laptop. What should production watch?",
        options=(
            "The number of rows in each read model.",
            "How many events each projection is behind the head of the log, and how old the "
            "oldest unapplied event is, with an alert threshold.",
            "The number of snapshots written per hour.",
            "Nothing: lag only matters when the projector crashes.",
        ),
        answer=1,
        feedback=(
            "Row counts grow with the data, not with the delay.",
            "Lag is head − checkpoint in events and the age of the oldest waiting event in "
            "seconds; a burst of writes makes both climb long before anything crashes.",
            "Snapshots belong to the write side; they say nothing about read-model delay.",
            "A slow but healthy projector under a traffic peak lags too, and users see it.",
        ),
        notebook="07_projection_lag.ipynb",
    ),
    Question(
        key="q4-expected-version",
        topic="Q4 · Optimistic concurrency",
        prompt=(
            "Two tellers both load an account at version 5 and both append with "
            "expected_version=5. What happens?"
        ),
        options=(
            "Both events are stored as version 6.",
            "The second append overwrites the first.",
            "The first append makes the stream version 6; the second gets a "
            "ConcurrencyConflict, reloads and decides again against version 6.",
            "The store locks the account when the first teller loads it, so the second "
            "teller waits.",
        ),
        answer=2,
        feedback=(
            "(aggregate_id, version) is unique, so two version-6 rows cannot both exist.",
            "An append-only store never overwrites a row.",
            "The expected version is the condition of the append. The loser rereads, so "
            "its decision sees the winner's event, e.g. a withdrawal that emptied the "
            "account.",
            "That is pessimistic locking. Optimistic concurrency holds no lock while "
            "deciding and checks the version only when appending.",
        ),
        notebook="02_event_store_and_concurrency.ipynb",
    ),
    Question(
        key="p4-aggregate-boundary",
        topic="Pitfall 4 · Aggregate boundaries",
        prompt=(
            "A team models a whole branch, with all its accounts, as one aggregate. What do "
            "you expect under load?"
        ),
        options=(
            "Fewer conflicts, because there is only one stream to check.",
            "More conflicts: every teller of the branch appends to the same stream version, "
            "so the conflict rate rises with the number of writers.",
            "No change: conflicts depend on the database, not on the model.",
            "Faster loads, because one stream is read instead of many.",
        ),
        answer=1,
        feedback=(
            "One stream means one version number that every writer competes for.",
            "Draw the boundary around one invariant (here: one account's balance). Rules "
            "across accounts go to a process manager or saga instead.",
            "The version check is per stream; how many writers share a stream is a "
            "modelling choice.",
            "The opposite: that one stream holds every event of the branch and grows fast.",
        ),
        notebook="02_event_store_and_concurrency.ipynb",
    ),
    Question(
        key="q5-snapshot-tail",
        topic="Q5 · Snapshots",
        prompt=(
            "A bank takes a snapshot every 100 events. An account has 1,050 events. How many "
            "events does loading its newest state replay?"
        ),
        options=("1,050", "100", "50", "0"),
        answer=2,
        feedback=(
            "That is the cost without snapshots.",
            "The load starts from the newest snapshot at or below the target, here version 1,000.",
            "The snapshot at 1,000 plus the 50-event tail after it.",
            "Only a stream whose length is a multiple of 100 replays nothing.",
        ),
        notebook="04_snapshots.ipynb",
    ),
    Question(
        key="q5-stale-snapshot",
        topic="Q5 · Snapshots",
        prompt="A snapshot turns out to be corrupt. What is lost?",
        options=(
            "The account's state since the snapshot was taken.",
            "Nothing: snapshots are derived from the events, so the load ignores it and "
            "replays, and a rebuild writes it again.",
            "The events before the snapshot, which were deleted when it was written.",
            "The account must be reopened.",
        ),
        answer=1,
        feedback=(
            "The events after the snapshot are still in the log.",
            "The events are the truth; a snapshot is a cache of replay. Deleting all "
            "snapshots changes how much work a load does, never its result.",
            "Taking a snapshot deletes nothing.",
            "Nothing about the account changes; only a derived row is thrown away.",
        ),
        notebook="04_snapshots.ipynb",
    ),
    Question(
        key="p3-when-snapshots",
        topic="Pitfall 3 · No snapshot strategy",
        prompt="When should a team decide its snapshot strategy?",
        options=(
            "Never: replay is always fast enough.",
            "At design time: choose the measure (events replayed per load) and a budget, "
            "then switch snapshots on when streams approach it.",
            "Only after users complain about slow commands.",
            "Snapshot every event, to be safe.",
        ),
        answer=1,
        feedback=(
            "Replay cost grows with the age of a stream: busy aggregates get slower every month.",
            "Short streams do not need snapshots, but the budget and the metric should exist "
            "before the long streams do.",
            "By then the busiest aggregates replay tens of thousands of events per command.",
            "That writes a snapshot row with every append: the cost moves to the write path.",
        ),
        notebook="04_snapshots.ipynb",
    ),
    Question(
        key="p5-store-not-queue",
        topic="Pitfall 5 · The event store as a message queue",
        prompt=(
            "Ten services each poll the events table every second for new events. What is "
            "the better design?"
        ),
        options=(
            "Poll more often, so each query finds fewer rows.",
            "Let each service delete the rows it has processed.",
            "One relay reads the log in position order and publishes to a broker; each "
            "service subscribes there and keeps its own offset.",
            "Give every service write access, so it can mark rows as read.",
        ),
        answer=2,
        feedback=(
            "Each extra poll is one more query on the write database, mostly finding nothing.",
            "The log is the source of truth; consumers must never change it.",
            "The store keeps the facts; delivery to many consumers is the broker's job. The "
            "relay is one reader with one checkpoint, like a projector.",
            "Marking rows as read turns the facts into a work queue and couples every "
            "consumer to the write side.",
        ),
        notebook="06_projections_and_read_models.ipynb",
    ),
    Question(
        key="fit-when-not",
        topic="When to use, and when not",
        prompt="Which system is the weakest case for event sourcing?",
        options=(
            "Core ledger of a bank, audited every year.",
            "Insurance claims with many states and rules.",
            "A back-office form that edits the list of meeting rooms.",
            "A trading system that must replay the day to explain a loss.",
        ),
        answer=2,
        feedback=(
            "Audit, rules and history: this is where event sourcing pays.",
            "Many state transitions and rules: events describe intent better than rows.",
            "Plain CRUD with few rules and few events per item: storing state is simpler.",
            "Replaying to a point in time is one of event sourcing's strengths.",
        ),
        notebook="08_interview_prep.ipynb",
    ),
)
"""The quiz of notebook 08: the five interview questions, the five pitfalls, and fit."""


# -- the decision checklist ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Criterion:
    """One checklist question; a yes on the ``for`` side argues for event sourcing."""

    key: str
    side: Literal["for", "against"]
    question: str


CHECKLIST: tuple[Criterion, ...] = (
    Criterion("audit", "for", "Must you show who changed what, when and why, for years?"),
    Criterion("complex_rules", "for", "Does the domain have many states and business rules?"),
    Criterion("history", "for", "Do you need past states (as of a date) or to replay to debug?"),
    Criterion("read_write_split", "for", "Do reads and writes need different shapes or scale?"),
    Criterion("integration", "for", "Do other services consume the changes as events?"),
    Criterion("plain_crud", "against", "Is it mostly forms over tables with few rules?"),
    Criterion("small_team", "against", "Is it a prototype, or a team with no time for upkeep?"),
    Criterion("strict_reads", "against", "Must every read see every write at once, everywhere?"),
    Criterion("few_events", "against", "Does an item see only two or three changes in its life?"),
    Criterion("unclear_boundaries", "against", "Are the aggregate boundaries still unclear?"),
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A recommendation from the checklist, with the answers that led to it."""

    recommendation: str
    reasons_for: tuple[str, ...]
    reasons_against: tuple[str, ...]
    details: dict[str, bool] = field(default_factory=dict)

    def summary(self) -> str:
        """The recommendation and the yes answers on each side, as plain text."""
        pro = ", ".join(self.reasons_for) or "none"
        con = ", ".join(self.reasons_against) or "none"
        return f"{self.recommendation}\n  for: {pro}\n  against: {con}"


def checklist_frame() -> pd.DataFrame:
    """The checklist as a table: key, side, question."""
    return pd.DataFrame(
        [(c.key, c.side, c.question) for c in CHECKLIST], columns=["key", "side", "question"]
    )


def should_event_source(answers: Mapping[str, bool]) -> Verdict:
    """Turn yes/no answers to every :data:`CHECKLIST` question into a recommendation. Pure.

    Two or more reasons for and none against: event-source it. More reasons for than against
    (at least two): event-source the core where the reasons apply, and plan for the costs the
    other answers name. Otherwise: store state.
    """
    if not isinstance(answers, Mapping):
        raise InvalidArgument(f"answers must be a dict of key -> bool, got {type(answers)}")
    keys = [c.key for c in CHECKLIST]
    missing = [k for k in keys if k not in answers]
    unknown = sorted(k for k in answers if k not in keys)
    if missing or unknown:
        raise InvalidArgument(
            f"answer every checklist key exactly once; missing {missing}, unknown {unknown}"
        )
    bad = [k for k in keys if not isinstance(answers[k], bool)]
    if bad:
        raise InvalidArgument(f"answers must be True or False; not for {bad}")
    pro = tuple(c.key for c in CHECKLIST if c.side == "for" and answers[c.key])
    con = tuple(c.key for c in CHECKLIST if c.side == "against" and answers[c.key])
    if len(pro) >= 2 and not con:
        recommendation = "Event-source it: the benefits apply and nothing argues against."
    elif len(pro) >= 2 and len(pro) > len(con):
        recommendation = (
            "Event-source the core where the reasons apply, and plan for the costs named "
            "against it."
        )
    else:
        recommendation = "Store state (CRUD); revisit if the reasons for it grow."
    return Verdict(recommendation, pro, con, {k: answers[k] for k in keys})


# -- the panel (a thin widget shell over grade) ----------------------------------------------
class QuizPanel:
    """The widgets of one quiz panel; display ``.widget`` (or the panel itself).

    Callbacks only write widget traits. ``current`` is the index of the question shown;
    ``first_tries`` records whether the first checked answer to each question was right.
    """

    def __init__(self, questions: Sequence[Question]) -> None:
        if not questions:
            raise InvalidArgument("a quiz needs at least one question")
        self.questions: tuple[Question, ...] = tuple(questions)
        self.current = 0
        self.first_tries: dict[str, bool] = {}
        self.last_feedback: Feedback | None = None
        self.progress = widgets.HTML()
        self.prompt = widgets.HTML()
        self.choices = widgets.RadioButtons(options=[], value=None, layout={"width": "auto"})
        self.check_button = widgets.Button(
            description="Check answer", button_style="primary", tooltip="Grade the chosen answer"
        )
        self.next_button = widgets.Button(
            description="Next question", tooltip="Go on to the next question"
        )
        self.feedback = widgets.HTML()
        for view, css in (
            (self.progress, "progress"),
            (self.prompt, "prompt"),
            (self.choices, "choices"),
            (self.check_button, "check"),
            (self.next_button, "next"),
            (self.feedback, "feedback"),
        ):
            view.add_class(f"{PANEL_CLASS}-{css}")
        buttons = widgets.HBox([self.check_button, self.next_button])
        self.widget = widgets.VBox(
            [self.progress, self.prompt, self.choices, buttons, self.feedback]
        )
        self.widget.add_class(PANEL_CLASS)
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
        return (
            f'<div class="{PANEL_CLASS}-snapshot">{STYLE}'
            f"<p>{html.escape(self.progress_text())}</p>"
            f"<p><b>{html.escape(q.topic)}</b><br>{html.escape(q.prompt)}</p>"
            f"<ul>{items}</ul>{feedback}</div>"
        )

    def __repr__(self) -> str:
        return f"QuizPanel(question {self.current + 1} of {len(self.questions)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Quiz panel (run the cell in Jupyter to use it)"
        return data


def quiz_panel(questions: Sequence[Question] = QUESTIONS) -> QuizPanel:
    """Build the quiz panel: a question, radio buttons, "Check answer", "Next question"."""
    return QuizPanel(questions)
