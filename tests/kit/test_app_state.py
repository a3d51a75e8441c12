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

import pytest

from servicekit.topology import SERVICES

ROOT = Path(__file__).resolve().parents[2]

# The two state services are being rebuilt into rooms; they join the check with that rebuild,
# and the kit's aliases are what they move to.
NOT_YET = frozenset({"frontoffice_service", "registration_service"})

PACKAGES = ("servicekit", *(s.name for s in SERVICES if s.name not in NOT_YET))

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


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_routes_take_app_state_as_dependencies(package: str) -> None:
    found = [
        offence
        for path in sorted((ROOT / package).rglob("*.py"))
        for offence in offences(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
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
    assert _modules()
