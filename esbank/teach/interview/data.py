"""The data files of notebook 08 (quiz questions, checklist), shipped inside the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

PACKAGE = "esbank.teach.interview"


def load(name: str) -> Any:
    """The JSON data file ``name`` of this package, parsed (listed as package data, so an
    installed, non-editable esbank has it too)."""
    return json.loads(resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8"))
