"""How a command handler reacts to a concurrency conflict: the one retry policy of the kit.

A conflict means another writer appended first. The handler reloads, decides again and
appends again, at most ``max_retries`` more times. A conflict caused by a cached state that
was out of date is a reload, not a retry (the cache was wrong, not the world busy).
"""

from __future__ import annotations

from dataclasses import dataclass

from esbank.domain.arguments import require_int


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Decide again after a conflict, up to ``max_retries`` times."""

    max_retries: int = 3

    def __post_init__(self) -> None:
        require_int("max_retries", self.max_retries, minimum=0)

    def again(self, conflicts: int) -> bool:
        """Whether to reload and decide again after the ``conflicts``-th conflict."""
        return conflicts <= self.max_retries
