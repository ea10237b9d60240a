"""The decision checklist of notebook 08: criteria from the data file, a recommendation."""

from __future__ import annotations

import pytest

from esbank.domain.errors import InvalidArgument
from esbank.teach.interview import CHECKLIST, checklist_frame, should_event_source


def _answers(**yes: bool) -> dict[str, bool]:
    return {c.key: yes.get(c.key, False) for c in CHECKLIST}


def test_checklist_recommends_event_sourcing_for_an_audited_ledger() -> None:
    verdict = should_event_source(_answers(audit=True, complex_rules=True, history=True))
    assert verdict.recommendation.startswith("Event-source it")
    assert verdict.reasons_for == ("audit", "complex_rules", "history")
    assert verdict.reasons_against == ()


def test_checklist_mixed_answers_give_the_core_only_advice() -> None:
    verdict = should_event_source(
        _answers(audit=True, complex_rules=True, history=True, small_team=True)
    )
    assert verdict.recommendation.startswith("Event-source the core")


def test_checklist_says_store_state_for_crud() -> None:
    verdict = should_event_source(_answers(plain_crud=True, few_events=True))
    assert verdict.recommendation.startswith("Store state")
    assert should_event_source(_answers()).recommendation.startswith("Store state")


def test_checklist_refuses_missing_unknown_or_non_bool_answers() -> None:
    partial = _answers()
    del partial["audit"]
    for bad in (partial, {**_answers(), "extra": True}, {**_answers(), "audit": "yes"}):
        with pytest.raises(InvalidArgument):
            should_event_source(bad)


def test_checklist_frame_lists_every_criterion_in_file_order() -> None:
    frame = checklist_frame()
    assert frame["key"].tolist() == [c.key for c in CHECKLIST]
    assert set(frame["side"]) == {"for", "against"}
