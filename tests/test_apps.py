"""A bus's apps are garbage once it has stopped and FastAPI's caches let go of them."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from fastapi import FastAPI

from servicekit.http_clients import async_client
from tests.fixtures.apps import let_go_of_apps
from tests.harness import running_bus


def _apps() -> dict[int, weakref.ref[FastAPI]]:
    return {id(o): weakref.ref(o) for o in gc.get_objects() if isinstance(o, FastAPI)}


async def test_a_stopped_bus_leaves_none_of_its_apps_alive(tmp_path: Path) -> None:
    before = _apps()
    async with running_bus(tmp_path) as plan:
        async with async_client() as client:
            for service in ("gateway", "gbd_fl", "registration_service"):
                (await client.get(f"{plan.url(service)}/docs")).raise_for_status()
        built = [ref for key, ref in _apps().items() if key not in before]
    assert len(built) >= len(plan.services)
    gc.collect()
    kept = [ref for ref in built if ref() is not None]
    assert kept, "FastAPI no longer keeps a stopped bus's apps: let_go_of_apps can go"
    let_go_of_apps()
    gc.collect()
    alive = [app.title for ref in built if (app := ref()) is not None]
    assert alive == []
