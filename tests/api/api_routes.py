"""The REST API's operations, read from its OpenAPI document.

FastAPI 0.140 and later keep included routers lazily in `app.routes`, so the tests read the
published description instead: it is public, and it is what API clients see.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from api.main import app


def api_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every /api/ operation."""
    for path, item in app.openapi()["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            if method in {"get", "put", "post", "delete", "patch"}:
                yield method.upper(), path, operation


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    return app.openapi()["components"]["schemas"][name]


def id_parameters(operation: dict[str, Any]) -> set[str]:
    """The ids an operation takes: path parameters, `*_id` query parameters and body fields."""
    parameters = operation.get("parameters", [])
    names = {p["name"] for p in parameters if p["in"] == "path"}
    names |= {p["name"] for p in parameters if p["in"] == "query" and p["name"].endswith("_id")}
    for content in operation.get("requestBody", {}).get("content", {}).values():
        properties = _resolve(content.get("schema", {})).get("properties", {})
        names |= {name for name in properties if name.endswith("_id")}
    return names
