"""Bad input and exposure, on every service of the bus: numbers out of range, bodies too big
or too slow, the default admin token.

The checks walk every service's own OpenAPI document, so a parameter or a route added later is
checked without touching this file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from contracts import ROOT as CONTRACTS
from egov.services import build_app
from servicekit.topology import SERVICES, ServiceSpec

HUGE = "99999999999999999999999"
"""The `?offset=` that stalled the embedded bus: it fits no database integer."""


def _app(service: ServiceSpec, tmp_path: Path, **settings: Any) -> FastAPI:
    return build_app(service, data_dir=str(tmp_path), **settings)


def _integer_parameters(service: ServiceSpec) -> Iterator[tuple[str, str, str, str]]:
    """(method, path, where, name) of every integer query, header and path parameter, from
    the service's checked-in OpenAPI document (tests/test_contracts.py keeps it current)."""
    spec = json.loads((CONTRACTS / "openapi" / f"{service.name}.json").read_text("utf-8"))
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
                if "integer" in types:
                    yield method, path, parameter["in"], parameter["name"]


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # what include_router added
        if included is not None:
            yield from _api_routes(included.routes)


def _dependencies(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _dependencies(dependency)


async def _nothing() -> None:
    return None


def _validating_only(app: FastAPI) -> FastAPI:
    """The app with every dependency (credentials, database session…) replaced by nothing and
    marked ready: a request reaches its endpoint only if its parameters passed validation, and
    an endpoint run without its dependencies fails — so a value the validation let through
    shows as a 500."""
    for route in _api_routes(app.routes):
        for call in _dependencies(route.dependant):
            if call is not None:
                app.dependency_overrides[call] = _nothing
    app.state.readiness.ready = True
    return app


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_every_integer_parameter_refuses_values_out_of_range(
    service: ServiceSpec, tmp_path: Path
) -> None:
    app = _validating_only(_app(service, tmp_path))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    unbounded = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method, path, where, name in _integer_parameters(service):
            for value in (HUGE, f"-{HUGE}", "-1"):
                url = path.replace("{" + name + "}", value) if where == "path" else path
                url = url.replace("{", "").replace("}", "")  # other path parameters: any text
                reply = await client.request(
                    method,
                    url,
                    params={name: value} if where == "query" else None,
                    headers={name: value} if where == "header" else None,
                )
                body = reply.json() if reply.status_code >= 400 else {}
                if (reply.status_code, body.get("field")) != (422, name):
                    unbounded.append(f"{method.upper()} {path} {name}={value}: {reply.status_code}")
    assert unbounded == []
