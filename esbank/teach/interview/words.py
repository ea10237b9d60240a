"""The words of the quiz and its panel (feedback marks, button labels, score lines), kept as
data in ``words.json`` next to this module so that they can be translated without touching
code."""

from __future__ import annotations

from esbank.domain.errors import InvalidArgument
from esbank.teach.interview.data import load

WORDS_FILE = "words.json"


def word(group: str, name: str, /, **values: object) -> str:
    """The text ``name`` of ``group`` in the words file, with ``values`` filled in."""
    try:
        text = load(WORDS_FILE)[group][name]
    except KeyError:
        raise InvalidArgument(
            f"{WORDS_FILE} has no text {group}.{name}; add it to the file"
        ) from None
    if not isinstance(text, str):
        raise InvalidArgument(f"{WORDS_FILE}: {group}.{name} is not one text")
    return text.format(**values) if values else text


def button_words(name: str) -> tuple[str, str]:
    """A button's label and tooltip from the ``buttons`` section of the words file."""
    try:
        label, tooltip = load(WORDS_FILE)["buttons"][name]
    except (KeyError, ValueError):
        raise InvalidArgument(
            f"{WORDS_FILE} has no button {name!r} as [label, tooltip]; add it to the file"
        ) from None
    return str(label), str(tooltip)
