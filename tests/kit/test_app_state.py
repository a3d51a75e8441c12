"""Routes reach the objects in app state through `Annotated` dependencies, never through
`request.app.state`.

A route that names what it needs as a typed parameter (`clock: BusClock`, `gateway: Gateway`)
says so in its signature, and a test can hand it another object through
`app.dependency_overrides`; one that digs in `request.app.state` hides it and gets an untyped
attribute. The dependencies themselves (`servicekit.clock.BusClock`…) and the kit's own
machinery (lifespan, middleware, exception handlers) are where app state is read.

The check reads the source: every function decorated as a route (`@router.get(…)`,
`@app.post(…)`, `api_route`, `websocket`) in the packages below, nested ones included.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from servicekit.app import AppMetrics, AppReadiness
from servicekit.app_state import AppSettings, BusClock
from servicekit.bus import Bus
from servicekit.clock import Clock
from servicekit.db import AppDatabase
from servicekit.gateway_client import Gateway
from servicekit.http_clients import async_client
from servicekit.idempotency import IdempotencyStore
from servicekit.outbox import AppOutbox
from servicekit.topology import SERVICES

ROOT = Path(__file__).resolve().parents[2]

PACKAGES = ("servicekit", *(s.name for s in SERVICES))

ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "websocket"}
)


def _is_route(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in ROUTE_DECORATORS
        for decorator in function.decorator_list
    )


def _is_app(node: ast.expr, app_names: set[str]) -> bool:
    """`<anything>.app` (`request.app`), or a local name bound to one (`app = request.app`)."""
    if isinstance(node, ast.Attribute) and node.attr == "app":
        return True
    return isinstance(node, ast.Name) and node.id in app_names


def state_reads(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[int]:
    """The lines where `function` reads `….app.state`, directly or through a local alias."""
    app_names = {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and node.value is not None
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "app"
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "state"
            and _is_app(node.value, app_names)
        ):
            yield node.lineno


def offences(source: str, filename: str) -> list[str]:
    """`file:line function` for each read of app state inside a route function of `source`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_route(node):
            found += [f"{filename}:{line} {node.name}" for line in state_reads(node)]
    return found


def _offences_in(package: str) -> list[str]:
    return [
        offence
        for path in sorted((ROOT / package).rglob("*.py"))
        for offence in offences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_routes_take_app_state_as_dependencies(package: str) -> None:
    found = _offences_in(package)
    assert not found, "declare a typed dependency instead of reading app state:\n" + "\n".join(
        found
    )


def test_the_check_sees_every_way_a_route_reads_app_state() -> None:
    source = """
from fastapi import APIRouter, Request

router = APIRouter()


@router.get("/a")
async def direct(request: Request) -> str:
    return request.app.state.clock.now()


@router.post("/b")
async def through_a_name(request: Request) -> None:
    app = request.app
    await app.state.bus.publish()


def factory() -> APIRouter:
    inner = APIRouter()

    @inner.api_route("/c", methods=["GET"])
    async def nested(request: Request) -> object:
        return getattr(request.app.state, "gateway", None)

    return inner


def helper(request: Request) -> object:
    return request.app.state.db
"""
    assert offences(source, "m.py") == [
        "m.py:9 direct",
        "m.py:15 through_a_name",
        "m.py:23 nested",
    ]


def test_the_packages_checked_are_there() -> None:
    assert all((ROOT / package / "__init__.py").is_file() for package in PACKAGES)


async def test_each_kit_alias_hands_the_route_its_object_and_adds_nothing_to_the_contract() -> None:
    held = {
        "clock": Clock(),
        "gateway": object(),
        "bus": object(),
        "db": object(),
        "settings": object(),
        "idempotency": object(),
        "readiness": object(),
        "metrics": object(),
        "outbox": object(),
    }
    app = FastAPI()
    for name, value in held.items():
        setattr(app.state, name, value)
    seen: dict[str, object] = {}

    @app.get("/")
    async def route(
        clock: BusClock,
        gateway: Gateway,
        bus: Bus,
        db: AppDatabase,
        settings: AppSettings,
        idempotency: IdempotencyStore,
        readiness: AppReadiness,
        metrics: AppMetrics,
        outbox: AppOutbox,
    ) -> None:
        seen.update(
            clock=clock,
            gateway=gateway,
            bus=bus,
            db=db,
            settings=settings,
            idempotency=idempotency,
            readiness=readiness,
            metrics=metrics,
            outbox=outbox,
        )

    transport = httpx.ASGITransport(app=app)
    async with async_client(transport=transport, base_url="http://kit") as client:
        assert (await client.get("/")).status_code == 200
    assert all(seen[name] is value for name, value in held.items())
    assert "parameters" not in app.openapi()["paths"]["/"]["get"]
