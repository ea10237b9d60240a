"""The HTTP command and query API (FastAPI), thin over ``esbank.app``.

``create_app(store, projector=...)`` serves ``POST /commands/<command>`` (202, or an RFC 9457
problem), the read side (``GET /accounts/{id}``, ``…/events``, ``…/state``), ``GET /health``
and the status table (``GET /problems``). Import it as ``esbank.api``: ``import esbank`` does
not load FastAPI.
"""

from esbank.api.app import create_app
from esbank.api.context import IDEMPOTENCY_NAMESPACE, idempotency_uuid
from esbank.api.group_commit import GroupCommitter, GroupStats
from esbank.api.local import LocalClient
from esbank.api.problems import PROBLEM_JSON, PROBLEMS, ProblemType

__all__ = [
    "IDEMPOTENCY_NAMESPACE",
    "PROBLEMS",
    "PROBLEM_JSON",
    "GroupCommitter",
    "GroupStats",
    "LocalClient",
    "ProblemType",
    "create_app",
    "idempotency_uuid",
]
