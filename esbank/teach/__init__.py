"""Teaching helpers: deterministic clock and ids, widget panels, charts and exercise checks."""

from esbank.teach.determinism import SequentialIds, StepClock

__all__ = ["SequentialIds", "StepClock"]
