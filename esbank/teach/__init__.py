"""Teaching helpers, one package per lesson (``esbank.teach.commands`` for notebook 01, …).

Shared by every lesson: the deterministic clock and ids re-exported here, the panel shell
(``ui``), the charts and the exercise checks' printing (``grading``).
"""

from esbank.teach import checks
from esbank.teach.determinism import SequentialIds, StepClock

__all__ = ["SequentialIds", "StepClock", "checks"]
