"""The conventions of CONTRIBUTING.md ("The shape of answers"), held over every service's
OpenAPI: a collection is a bare array, never an object wrapping `items`; a signature is posted
to `…/signature` (an old `…/sign` path only as a deprecated alias)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from servicekit.topology import SERVICES

ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    s.name: json.loads((ROOT / "contracts" / "openapi" / f"{s.name}.json").read_text())
    for s in SERVICES
}


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


@pytest.mark.parametrize("service", sorted(SPECS))
def test_a_collection_is_a_bare_array(service: str) -> None:
    spec = SPECS[service]
    wrapped = []
    for path, method, operation in _operations(spec):
        content = operation.get("responses", {}).get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        properties = _schema(spec, schema).get("properties", {})
        if set(properties) == {"items"}:
            wrapped.append(f"{method.upper()} {path}")
    assert wrapped == []


@pytest.mark.parametrize("service", sorted(SPECS))
def test_a_signature_is_posted_to_signature(service: str) -> None:
    old = [
        f"{method.upper()} {path}"
        for path, method, operation in _operations(SPECS[service])
        if path.endswith("/sign") and not operation.get("deprecated")
    ]
    assert old == []
    for path in SPECS[service]["paths"]:
        if path.endswith("/sign"):
            assert path + "ature" in SPECS[service]["paths"], path
