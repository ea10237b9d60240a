"""Helpers of the zh-TW tests."""

from __future__ import annotations

import re
from collections.abc import Iterable

from esbank.teach import i18n


def untranslated(texts: Iterable[str]) -> list[str]:
    """The texts a Chinese reader would see in English: two Latin letters in a row and no
    Chinese, after translation."""
    result = []
    for text in texts:
        shown = i18n.translate(text)
        if re.search(r"[A-Za-z]{2}", shown) and not i18n.has_cjk(shown):
            result.append(text)
    return result
