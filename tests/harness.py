"""Run the bus inside a test: every service on a free port, real HTTP between them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from egov.demo import Branch, Line, Outcome, Reporter
from egov.launcher import BusPlan, ServiceStatus, bind_free, run_embedded
from servicekit.http_clients import async_client
from servicekit.topology import SERVICES, spec
from tests.backends import fresh_postgres, fresh_vhost
from tests.fixtures.templates import TEMPLATES

TESTER, TESTER_PASSWORD = "tester", "tester-secret"
"""The registry file's integration-tester sender, allowed every service."""

ADMIN = {"Authorization": "Bearer egov-admin"}
"""The admin credential of a development gateway."""

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T | None]], within: float = 10.0) -> T:
    """Poll `check` until it gives something truthy, and give that: what crosses the bus (an
    event, a retry, a log record written in the background) arrives after the request that
    caused it. Fails the test after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"condition not met within {within} s (last: {result!r})")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running_bus(
    data_dir: Path,
    *,
    database_url: str | None = None,
    amqp_url: str | None = None,
    extra: dict[str, dict[str, Any]] | None = None,
    apart: tuple[str, ...] = (),
) -> AsyncIterator[BusPlan]:
    """Every service in this process until exit: on SQLite and the in-process bus, or on
    PostgreSQL (`database_url`) and RabbitMQ (`amqp_url`). The services named in `apart` get
    their ports but are left out, for the test to run them as processes of their own
    (`ServiceProcess`); only the state services, which no one calls through the gateway."""
    await TEMPLATES.copy_into(data_dir, database_url, extra or {})
    sockets = bind_free()
    ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
    for name in apart:
        sockets.pop(name).close()
    plan = BusPlan(
        ports=ports,
        sockets=sockets,
        data_dir=data_dir,
        database_url=database_url,
        amqp_url=amqp_url,
        extra=extra or {},
        services=tuple(s for s in SERVICES if s.name not in apart),
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


BACKENDS = ("sqlite", "postgres")
"""The test backends a bus runs on without RabbitMQ: SQLite, or fresh PostgreSQL databases
(the in-process bus either way); `postgres+rabbitmq` adds a fresh RabbitMQ virtual host."""


@asynccontextmanager
async def bus_on(
    backend: str, data_dir: Path, *, extra: dict[str, dict[str, Any]] | None = None
) -> AsyncIterator[BusPlan]:
    """`running_bus` on one test backend (`BACKENDS`, or `postgres+rabbitmq`), its databases
    and virtual host fresh and removed at the end."""
    async with contextlib.AsyncExitStack() as stack:
        database_url = amqp_url = None
        if backend.startswith("postgres"):
            database_url = await stack.enter_async_context(fresh_postgres())
        if backend.endswith("+rabbitmq"):
            amqp_url = await stack.enter_async_context(fresh_vhost())
        plan = await stack.enter_async_context(
            running_bus(data_dir, database_url=database_url, amqp_url=amqp_url, extra=extra)
        )
        yield plan


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


async def conversation(
    client: httpx.AsyncClient, plan: BusPlan, correlation_id: str
) -> list[dict[str, Any]]:
    """The gateway journal's entries of one correlationId (an application's registry calls),
    oldest first."""
    journal = await client.get(
        f"{plan.url('gateway')}/admin/journal",
        params={"correlationId": correlation_id, "limit": "1000"},
        headers=ADMIN,
    )
    entries: list[dict[str, Any]] = journal.raise_for_status().json()[::-1]
    return entries


class ServiceProcess:
    """One service of `plan` as an OS process (`egov serve`), which a test may kill outright."""

    def __init__(self, plan: BusPlan, name: str) -> None:
        self.plan, self.spec = plan, spec(name)
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "egov",
            "serve",
            self.spec.name,
            env={**os.environ, **self.plan.environment(self.spec)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        url = f"{self.plan.url(self.spec.name)}/ready"
        async with async_client(timeout=1.0) as client:
            for _ in range(600):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        raise AssertionError(f"{self.spec.name} did not become ready")

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed or acknowledged."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        self.process = None

    async def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 20)
            self.process = None


class Recorder:
    """A demo's reporter that keeps the lines (each branch starts with a note naming it)."""

    def __init__(self) -> None:
        self.lines: list[Line] = []

    def begin(self, branch: Branch[Any]) -> None:
        self.lines.append(Line("", "", branch.name, "", "note"))

    def line(self, line: Line) -> None:
        self.lines.append(line)

    def end(self, outcome: Outcome) -> None:
        pass


DemoRun = Callable[[Callable[[str], str], Sequence[str], Reporter], Awaitable[Sequence[Outcome]]]
"""A demo module's `run` (`egov.vin_demo.run`, `egov.machinery_demo.run`)."""


async def played(run: DemoRun, bus: BusPlan, *branches: str) -> list[Line]:
    """The lines of a demo's `branches` played one after another on `bus`, each as expected."""
    recorder = Recorder()
    outcomes = await run(bus.url, branches, recorder)
    assert [(o.branch, o.failure) for o in outcomes] == [(b, None) for b in branches]
    return recorder.lines
