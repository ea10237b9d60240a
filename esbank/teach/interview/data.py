"""The data files of notebook 08 (quiz questions, checklist), shipped inside the package."""

from __future__ import annotations

import json
from typing import Any

from esbank.teach import i18n

PACKAGE = "esbank.teach.interview"


def load(name: str) -> Any:
    """The JSON data file ``name`` of this package in the reader's language, parsed (listed as
    package data, so an installed, non-editable esbank has it too)."""
    return json.loads(i18n.localized(PACKAGE, name).read_text(encoding="utf-8"))
