"""The OpenAPI document as the API means it: errors are problem+json, and FastAPI's own 422
"validation error" response (which this API sends as 400) is gone."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from esbank.api.problems import PROBLEM_JSON
from esbank.domain.money import INT64_MAX

FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document, with every error response as ``application/problem+json``
    and without FastAPI's validation-error schemas."""
    doc = copy.deepcopy(
        get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
    )
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            auto = responses.get("422", {}).get("content", {}).get("application/json", {})
            if auto.get("schema", {}).get("$ref") == FASTAPI_VALIDATION:
                del responses["422"]
            for status, response in responses.items():
                content = response.get("content", {})
                if not status.startswith("2") and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _exact_integers(doc)
    return doc


def _exact_integers(node: Any) -> None:
    """Give integer schemas their bounds back as integers, in place.

    FastAPI's OpenAPI models hold bounds as floats, so ``2**63 - 1`` comes out as
    ``9.223372036854776e+18``, which is 2**63 (a float has 53 bits): a client generating
    amounts from the document would send 2**63 and be refused. The only bound of this API
    that a float rounds is int64's maximum.
    """
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                value = node.get(key)
                if isinstance(value, float):
                    node[key] = INT64_MAX if value == float(INT64_MAX) else int(value)
        for child in node.values():
            _exact_integers(child)
    elif isinstance(node, list):
        for child in node:
            _exact_integers(child)


DOCUMENT = Path(__file__).with_name("openapi.json")
"""The committed OpenAPI document (``make openapi`` writes it; a test checks it is current)."""


def current_text() -> str:
    """The OpenAPI document of ``create_app`` as the text ``openapi.json`` should hold."""
    from esbank.api.app import create_app
    from esbank.eventstore.duckdb_store import DuckDBEventStore

    with DuckDBEventStore(":memory:") as store:
        document = create_app(store).openapi()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
