"""An app over a fresh in-memory store for each test, and a client that calls it in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esbank import DuckDBEventStore, Projector, standard_projections
from esbank.api import LocalClient, create_app
from esbank.teach import SequentialIds, StepClock


@pytest.fixture
def store() -> Iterator[DuckDBEventStore]:
    s = DuckDBEventStore(":memory:", clock=StepClock(), new_id=SequentialIds(prefix=0xE))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def projector(store: DuckDBEventStore) -> Projector:
    return Projector(store, standard_projections(), clock=StepClock())


@pytest.fixture(params=[True, False], ids=["group-commit", "one-commit-each"])
def group_commit(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def client(
    store: DuckDBEventStore, projector: Projector, group_commit: bool
) -> Iterator[LocalClient]:
    app = create_app(
        store,
        projector=projector,
        group_commit=group_commit,
        new_id=SequentialIds(prefix=0xA),
        read_wait=0.0,
    )
    with LocalClient(app) as c:
        yield c
    committer = app.state.esbank.committer
    if committer is not None:
        committer.close()
