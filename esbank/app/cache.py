"""A small thread-safe LRU of recently used account states (a hint, never the truth)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from uuid import UUID

from esbank.domain.account import BankAccount


class StateCache:
    """Keeps up to ``size`` account states; the version guard of every append checks them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._states: OrderedDict[UUID, BankAccount] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, account_id: UUID) -> BankAccount | None:
        with self._lock:
            state = self._states.get(account_id)
            if state is not None:
                self._states.move_to_end(account_id)
            return state

    def get_or_load(
        self, account_id: UUID, load: Callable[[UUID], BankAccount]
    ) -> tuple[BankAccount, bool]:
        """The kept state of ``account_id`` (and True), or a fresh one from ``load`` (False).

        A kept state is a hint: whoever acts on it must be ready to find it out of date (an
        append's version check fails, or a refusal must be judged again from fresh state).
        """
        state = self.get(account_id)
        return (state, True) if state is not None else (load(account_id), False)

    def put(self, state: BankAccount) -> None:
        """Keep ``state`` unless a newer version of the same account is already kept."""
        if self.size <= 0:
            return
        with self._lock:
            kept = self._states.get(state.id)
            if kept is not None and kept.version >= state.version:
                return
            self._states[state.id] = state
            self._states.move_to_end(state.id)
            while len(self._states) > self.size:
                self._states.popitem(last=False)

    def drop(self, account_id: UUID) -> None:
        with self._lock:
            self._states.pop(account_id, None)

    def __len__(self) -> int:
        return len(self._states)
