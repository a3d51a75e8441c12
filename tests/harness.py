"""Run the bus inside a test: every service on a free port, real HTTP between them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from egov.launcher import BusPlan, ServiceStatus, bind_free, run_embedded

TESTER, TESTER_PASSWORD = "tester", "tester-secret"
"""The registry file's integration-tester sender, allowed every service."""

ADMIN = {"Authorization": "Bearer egov-admin"}
"""The admin credential of a development gateway."""


@asynccontextmanager
async def running_bus(
    data_dir: Path,
    *,
    database_url: str | None = None,
    amqp_url: str | None = None,
    extra: dict[str, dict[str, Any]] | None = None,
) -> AsyncIterator[BusPlan]:
    """Every service in this process until exit: on SQLite and the in-process bus, or on
    PostgreSQL (`database_url`) and RabbitMQ (`amqp_url`)."""
    sockets = bind_free()
    plan = BusPlan(
        ports={name: sock.getsockname()[1] for name, sock in sockets.items()},
        sockets=sockets,
        data_dir=data_dir,
        database_url=database_url,
        amqp_url=amqp_url,
        extra=extra or {},
    )
    stop = asyncio.Event()
    statuses: list[ServiceStatus] = []
    ready = asyncio.Event()

    def on_ready(found: list[ServiceStatus], _seconds: float) -> None:
        statuses.extend(found)
        ready.set()

    runner = asyncio.create_task(run_embedded(plan, stop, on_ready, ready_timeout=30))
    try:
        await asyncio.wait_for(ready.wait(), 40)
        not_ready = [s.name for s in statuses if s.status != "ready"]
        assert not not_ready, f"services not ready: {not_ready}"
        yield plan
    finally:
        stop.set()
        await asyncio.wait_for(runner, 30)
        for sock in sockets.values():
            sock.close()


def envelope(service_id: str, data: Any, **info: Any) -> dict[str, Any]:
    """A well-formed SendMessage request, with any requestInfo field overridden."""
    request_info: dict[str, Any] = {
        "messageId": str(uuid.uuid4()),
        "serviceId": service_id,
        "messageDate": "2026-11-22T10:00:00+05:00",
        "sender": {"senderId": TESTER, "password": TESTER_PASSWORD},
        **info,
    }
    return {"requestInfo": request_info, "requestData": {"data": data}}


async def send(
    client: httpx.AsyncClient, plan: BusPlan, body: Any, **kwargs: Any
) -> httpx.Response:
    return await client.post(f"{plan.url('gateway')}/bip-sync/SendMessage", json=body, **kwargs)
