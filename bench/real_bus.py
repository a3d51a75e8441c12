"""The whole bus as `egov up --database-url … --amqp-url …` starts it, for the scripts of bench/:
one process per service, on a fresh set of PostgreSQL databases and a RabbitMQ virtual host of
its own, both removed at the end, so a run never touches another's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import make_url

from egov.launcher import BusPlan, ReadyCallback, ServiceStatus, plan_ports, run_processes
from servicekit.db import drop_postgres_database
from servicekit.topology import SERVICES

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"
ADMIN = {"Authorization": "Bearer egov-admin"}

TICK = os.sysconf("SC_CLK_TCK")

Runner = Callable[..., Coroutine[Any, Any, int]]
"""How the processes run: `egov.launcher.run_processes` or anything with its signature."""


@contextlib.asynccontextmanager
async def fresh_backends() -> AsyncIterator[tuple[str, str]]:
    """A database prefix and a RabbitMQ virtual host no other run uses, removed on exit (as
    tests/backends.py does for the tests)."""
    run = uuid.uuid4().hex[:10]
    base = make_url(POSTGRES).set(database=f"egovbench_{run}")
    amqp = urlsplit(AMQP)
    vhost = f"egovbench_{run}"
    await rabbitmqctl("add_vhost", vhost)
    try:
        await rabbitmqctl(
            "set_permissions", "-p", vhost, amqp.username or "guest", ".*", ".*", ".*"
        )
        yield base.render_as_string(hide_password=False), amqp._replace(path=f"/{vhost}").geturl()
    finally:
        await rabbitmqctl("delete_vhost", vhost)
        for service in SERVICES:
            await drop_postgres_database(base.set(database=f"{base.database}_{service.name}"))


async def rabbitmqctl(*args: str) -> str:
    """The output of one `rabbitmqctl -q` command; RuntimeError if it fails."""
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {(out + err).decode()}")
    return out.decode()


@contextlib.contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Point this process's stdout and stderr at `path` while the services start: they inherit
    the descriptors, so their logs go to the file and the report stays readable."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@contextlib.asynccontextmanager
async def running_bus(
    database_url: str,
    amqp_url: str,
    log: Path,
    extra: dict[str, dict[str, Any]],
    runner: Runner = run_processes,
    ready_timeout: float = 90.0,
) -> AsyncIterator[BusPlan]:
    """Every service in its own process on free ports, `extra` settings by service; their logs
    go to `log`. Stopped (and waited for) on exit."""
    plan = BusPlan(
        ports=plan_ports(0),
        data_dir=log.parent,
        database_url=database_url,
        amqp_url=amqp_url,
        log_level="WARNING",
        extra=extra,
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    statuses: list[ServiceStatus] = []

    def on_ready(found: list[ServiceStatus], _seconds: float) -> None:
        statuses.extend(found)
        ready.set()

    callback: ReadyCallback = on_ready
    running: asyncio.Task[int] | None = None
    try:
        with output_to(log):
            running = asyncio.create_task(runner(plan, stop, callback, ready_timeout=ready_timeout))
            # Readiness is polled once every child is spawned: the descriptors can go back then.
            waiter = asyncio.create_task(ready.wait())
            await asyncio.wait([waiter, running], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
        not_ready = [s.name for s in statuses if s.status != "ready"]
        if not ready.is_set() or not_ready:
            raise RuntimeError(f"services not ready: {not_ready or 'all'} (see {log})")
        yield plan
    finally:
        stop.set()
        if running is not None:
            await asyncio.wait_for(running, 60)


async def freeze_clock(http: httpx.AsyncClient, plan: BusPlan, at: str) -> None:
    """Stop the bus clock at `at` (ISO 8601) on every service, through the gateway."""
    reply = await http.post(
        f"{plan.url('gateway')}/admin/clock/freeze", json={"at": at}, headers=ADMIN
    )
    reply.raise_for_status()


def progress(text: str) -> None:
    """A line on stderr, so a watcher (or a profiler) knows which phase runs."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    command: str
    """The executable's name, as /proc/<pid>/stat has it."""
    argv: list[bytes]
    cpu_seconds: float
    """User and system time so far."""

    @property
    def serves(self) -> str | None:
        """The service an `egov serve NAME` process runs."""
        if b"serve" not in self.argv[:-1]:
            return None
        return self.argv[self.argv.index(b"serve") + 1].decode()


def processes() -> Iterator[Process]:
    """Every process of the machine, from /proc (those that end meanwhile are left out)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        yield Process(
            pid=int(entry.name),
            parent=int(fields[1]),
            command=stat[stat.index("(") + 1 : stat.rindex(")")],
            argv=argv,
            cpu_seconds=(int(fields[11]) + int(fields[12])) / TICK,
        )
