"""The "should we event-source it?" checklist of notebook 08.

The criteria are data (``checklist.json`` next to this module); :func:`should_event_source`
turns yes/no answers into a recommendation. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from esbank.domain.errors import InvalidArgument
from esbank.teach.interview.data import load

CHECKLIST_FILE = "checklist.json"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One checklist question; a yes on the ``for`` side argues for event sourcing."""

    key: str
    side: Literal["for", "against"]
    question: str


def load_checklist(name: str = CHECKLIST_FILE) -> tuple[Criterion, ...]:
    """The criteria of the data file ``name`` next to this module, in file order."""
    return tuple(Criterion(c["key"], c["side"], c["question"]) for c in load(name)["criteria"])


CHECKLIST: tuple[Criterion, ...] = load_checklist()


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
