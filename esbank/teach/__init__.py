"""Teaching helpers, one package per lesson: ``esbank.teach.<lesson>`` holds everything
notebook NN imports (``commands`` 01, ``concurrency`` 02, ``replay`` 03, ``snapshots`` 04,
``schema`` 05, ``projections`` 06, ``lag`` 07, ``interview`` 08, ``postgres`` 09, ``http`` 10,
``beyond`` 11).

Lessons never import each other; what two of them use lives in a shared module here: the
panel shell (``ui``), ``charts``, ``grading`` (what a check prints), ``describe``, and the
deterministic clock and ids re-exported below.
"""

from esbank.teach.determinism import SequentialIds, StepClock

__all__ = ["SequentialIds", "StepClock"]
