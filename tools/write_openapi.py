"""Write the API's OpenAPI document to ``esbank/api/openapi.json`` (``make openapi``).

The committed document is what ``create_app`` serves at ``/openapi.json``;
``tests/api/test_openapi.py`` fails when the two differ.
"""

from __future__ import annotations

from esbank.api.openapi_doc import DOCUMENT, current_text

if __name__ == "__main__":
    DOCUMENT.write_text(current_text(), encoding="utf-8")
    print(f"wrote {DOCUMENT}")
