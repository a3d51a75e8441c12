"""Where the real PostgreSQL and RabbitMQ are, and what to do when they are not there.

By default they are required: a test that needs one fails (never skips) when it cannot reach
it, so CI can't go green without them. `EGOV_TEST_BACKENDS=optional` turns that into a skip for
a laptop without the servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import URL, make_url

from servicekit.db import drop_postgres_database
from servicekit.topology import SERVICES

DATABASE_URL = os.environ.get(
    "EGOV_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("EGOV_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def backends_required() -> bool:
    return os.environ.get("EGOV_TEST_BACKENDS", "required") != "optional"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def require(name: str, url: str, default_port: int) -> str:
    if not _reachable(url, default_port):
        message = f"{name} is not reachable at {url}"
        if backends_required():
            pytest.fail(f"{message} (start it, or set EGOV_TEST_BACKENDS=optional to skip)")
        pytest.skip(message)
    return url


def require_postgres() -> str:
    return require("PostgreSQL", DATABASE_URL, 5432)


def require_rabbitmq() -> str:
    return require("RabbitMQ", AMQP_URL, 5672)


@asynccontextmanager
async def fresh_postgres(*extra_services: str) -> AsyncIterator[str]:
    """A base URL with a name no other run uses; every service's database under it is dropped
    after exit, while the next test runs (`DROPS`)."""
    base = make_url(require_postgres()).set(database=f"egovtest_{uuid.uuid4().hex[:10]}")
    try:
        yield base.render_as_string(hide_password=False)
    finally:
        DROPS.start(
            [
                base.set(database=f"{base.database}_{name}")
                for name in (*(s.name for s in SERVICES), *extra_services)
            ]
        )


class Drops:
    """Databases being dropped in the background: DROP DATABASE waits for a checkpoint of the
    server, seconds when it is busy, which no test needs to wait for.

    A drop that failed is tried again at the end: a test that blocks the event loop (one that
    drives `egov up` as a process, say) stops the drops' connections from being served while
    their timeouts run, and they time out through no fault of the server. So is one started
    in a loop that ended before it ran (`tests/test_backends.py`)."""

    def __init__(self) -> None:
        self._pending: dict[asyncio.Future[Any], list[URL]] = {}

    def start(self, urls: list[URL]) -> None:
        drop = asyncio.ensure_future(self._drop(urls))
        self._pending[drop] = urls
        drop.add_done_callback(self._forget_if_dropped)

    async def wait(self) -> None:
        """Until every database given is dropped; one that cannot be, twice, fails here.
        A drop started in a loop of its own (a synchronous test's `asyncio.run`) that ended
        before it did is made again here."""
        pending = dict(self._pending)
        here = asyncio.get_running_loop()
        await asyncio.gather(
            *(drop for drop in pending if drop.get_loop() is here), return_exceptions=True
        )
        again = [url for drop, urls in pending.items() if not _succeeded(drop) for url in urls]
        await self._drop(again)

    @staticmethod
    async def _drop(urls: list[URL]) -> None:
        # All at once: one after another, the fourteen DROP DATABASE took 2.5 s (each waits
        # on the server's flush), together a tenth of a second.
        await asyncio.gather(*(drop_postgres_database(url) for url in urls))

    def _forget_if_dropped(self, drop: asyncio.Future[Any]) -> None:
        if _succeeded(drop):
            self._pending.pop(drop, None)


def _succeeded(drop: asyncio.Future[Any]) -> bool:
    return drop.done() and not drop.cancelled() and drop.exception() is None


DROPS = Drops()


@asynccontextmanager
async def fresh_vhost() -> AsyncIterator[str]:
    """An AMQP URL on a RabbitMQ virtual host no one used before: queue names (the gateway's
    mailboxes, say) of one test never meet another's. The host is deleted when the test
    process ends (`VHOSTS.delete_all`)."""
    base = urlsplit(require_rabbitmq())
    vhost = await VHOSTS.take(base.username or "guest")
    yield base._replace(path=f"/{vhost}").geturl()


class VirtualHosts:
    """Fresh virtual hosts, made a few at a time: each `rabbitmqctl` call starts an Erlang VM,
    a second of CPU, so one call makes `BATCH` hosts with their permissions and one call at
    the end deletes every host this process made, instead of three calls per host."""

    BATCH = 4

    def __init__(self) -> None:
        self._free: list[str] = []
        self._made: list[str] = []

    async def take(self, user: str) -> str:
        if not self._free:
            names = [f"egovtest_{uuid.uuid4().hex[:10]}" for _ in range(self.BATCH)]
            definitions = {
                "vhosts": [{"name": name} for name in names],
                "permissions": [
                    {"user": user, "vhost": name, "configure": ".*", "write": ".*", "read": ".*"}
                    for name in names
                ],
            }
            await _rabbitmqctl(
                "import_definitions", "--format", "json", stdin=json.dumps(definitions).encode()
            )
            self._made.extend(names)
            self._free.extend(names)
        return self._free.pop()

    async def delete_all(self) -> None:
        made, self._made, self._free = self._made, [], []
        if not made:
            return
        # One VM for all; the internal call is the one `delete_vhost` makes. Should a broker
        # version lack it, the hosts go one by one.
        calls = ", ".join(f'rabbit_vhost:delete(<<"{name}">>, <<"tests">>)' for name in made)
        try:
            await _rabbitmqctl("eval", f"{calls}, ok.")
        except RuntimeError:
            for name in made:
                with contextlib.suppress(RuntimeError):
                    await _rabbitmqctl("delete_vhost", name)


VHOSTS = VirtualHosts()


async def _rabbitmqctl(*args: str, stdin: bytes | None = None) -> None:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        "-q",
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin)
    if process.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {(out + err).decode()}")


async def restart_rabbitmq() -> None:
    """Stop and start the broker application: connections drop, durable queues stay."""
    await _rabbitmqctl("stop_app")
    await _rabbitmqctl("start_app")
    await _rabbitmqctl("await_startup")
