"""Where each projection of notebook 06 stands: its checkpoint against the head of the log.

Events behind is a count (head − checkpoint), never seconds, so what a panel shows does not
depend on when it is looked at.
"""

from __future__ import annotations

import pandas as pd

from esbank.app.projections import Projector

LAG_COLUMNS = ["projection", "checkpoint", "head", "events_behind"]


def lag_rows(projector: Projector) -> pd.DataFrame:
    """Per projection: its checkpoint, the head of the log and the events between them."""
    head = projector.store.head_position()
    rows = []
    for name in projector.projections:
        checkpoint = projector.checkpoint(name)
        rows.append((name, checkpoint, head, head - checkpoint))
    return pd.DataFrame(rows, columns=LAG_COLUMNS).astype(
        {"checkpoint": "int64", "head": "int64", "events_behind": "int64"}
    )
