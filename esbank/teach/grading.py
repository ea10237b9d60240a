"""What every exercise check prints: ✅ and what was proved, or ❌, what is wrong and a hint.

A check never raises because of the answer: an undefined answer (``None``), a stub that still
raises ``NotImplementedError`` or a wrong result all print a ❌ line and a hint, and the check
returns False.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from esbank.domain.events import Event
from esbank.teach.i18n import translate

ACCOUNT = UUID(int=0xE1)
"""The account the checks' scripted histories belong to."""
Mistake = tuple[str, str]
"""What is wrong with an answer (the ❌ line) and a hint: ``failed(*mistake)`` prints it."""


def passed(text: str) -> bool:
    """Print ✅ and ``text``; True."""
    print(f"✅ {translate(text)}")
    return True


def failed(text: str, hint: str) -> bool:
    """Print ❌, ``text`` and a hint on the next line; False."""
    print(f"❌ {translate(text)}\n   {translate('Hint:')} {translate(hint)}")
    return False


def still_a_stub(name: str, hint: str) -> bool:
    """The answer still raises ``NotImplementedError``: say so, with what to write instead."""
    return failed(f"{name} still raises NotImplementedError.", hint)


def not_callable(name: str, answer: Any, cell: str) -> bool:
    """The answer is not a function: not defined yet (``None``), or something else."""
    if answer is None:
        return failed(
            f"{name} is not defined yet.",
            f"write {name} in the {cell} cell, run that cell, then run this check again.",
        )
    return failed(
        f"{name} must be a function, got {type(answer).__name__}.",
        f"define it with `def {name}(...):` in the {cell} cell.",
    )


def show_events(events: Sequence[Event]) -> str:
    """Events as a list literal, e.g. ``[AccountOpened(owner='Ada', initial_balance=0)]``."""
    return "[" + ", ".join(repr(e) for e in events) + "]"


def call(answer: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
    """What the answer returned, or the exception it raised; ``NotImplementedError`` goes
    through, so the check can say the answer is still a stub."""
    try:
        return answer(*args), None
    except NotImplementedError:
        raise
    except Exception as exc:
        return None, exc


def first_mistake(
    name: str,
    answer: Any,
    find: Callable[[Any], Mistake | None],
    *,
    stub_hint: str,
    cell: str = "exercise",
) -> bool | None:
    """Print ❌ and return False when ``answer`` is no function, still a stub, or ``find``
    finds a mistake in it; None when ``find`` found nothing wrong (the check goes on)."""
    if not callable(answer):
        return not_callable(name, answer, cell)
    try:
        mistake = find(answer)
    except NotImplementedError:
        return still_a_stub(name, stub_hint)
    return None if mistake is None else failed(*mistake)
