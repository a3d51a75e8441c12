"""The buses of the reliability suite: one per configuration, each started once for the whole
folder and shared by the tests that need it (a bus on PostgreSQL and RabbitMQ takes seconds to
start and to stop). The folder's tests run grouped by the bus they use, and only one bus is
alive at a time: the services of another would share the event loop, the CPU and PostgreSQL's
connections with the tests on a short deadline.

A test changes a shared bus only through its admin APIs (fault rules, a route, the police
desk's policy) and puts back what it changed; a test that needs other settings adds a
configuration here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from egov.launcher import BusPlan
from tests.backends import fresh_postgres, fresh_vhost
from tests.harness import running_bus

DEADLINE_SECONDS = 1.0
"""How long the state services wait for a registry on the impatient bus (30 s by default)."""
STREAMS = 2
"""The cap of live streams per buyer on the embedded bus (5 by default)."""

BUSES = ("deployed_bus", "impatient_bus", "embedded_bus", "clear_bus")
"""The fixtures of the configurations, in the order their tests run."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The folder's tests grouped by bus (tests without one first), each group in the order
    collected; the tests of other folders keep their places."""
    here = Path(__file__).parent
    mine = [i for i, item in enumerate(items) if item.path.is_relative_to(here)]
    grouped = sorted((items[i] for i in mine), key=_bus_of)
    for i, item in zip(mine, grouped, strict=True):
        items[i] = item


def _bus_of(item: pytest.Item) -> int:
    names = getattr(item, "fixturenames", ())
    return next((n for n, bus in enumerate(BUSES) if bus in names), -1)


class _OneAtATime:
    """Starts the bus a test asks for, after stopping the one running if it is another."""

    def __init__(self, stack: AsyncExitStack) -> None:
        self._stack = stack
        self._running: tuple[str, BusPlan] | None = None

    async def bus(
        self, name: str, start: Callable[[], AbstractAsyncContextManager[BusPlan]]
    ) -> BusPlan:
        if self._running is None or self._running[0] != name:
            await self._stack.aclose()
            self._running = (name, await self._stack.enter_async_context(start()))
        return self._running[1]


@pytest.fixture(scope="package")
async def _buses() -> AsyncIterator[_OneAtATime]:
    async with AsyncExitStack() as stack:
        yield _OneAtATime(stack)


@asynccontextmanager
async def _on_postgres_and_rabbitmq(
    data_dir: Path, **settings: dict[str, object]
) -> AsyncIterator[BusPlan]:
    async with (
        fresh_postgres() as database_url,
        fresh_vhost() as amqp_url,
        running_bus(data_dir, database_url=database_url, amqp_url=amqp_url, extra=settings) as plan,
    ):
        yield plan


@pytest.fixture
async def deployed_bus(_buses: _OneAtATime, tmp_path_factory: pytest.TempPathFactory) -> BusPlan:
    """PostgreSQL and RabbitMQ with the default settings, as deployed."""
    return await _buses.bus(
        "deployed", lambda: _on_postgres_and_rabbitmq(tmp_path_factory.mktemp("deployed"))
    )


@pytest.fixture
async def impatient_bus(_buses: _OneAtATime, tmp_path_factory: pytest.TempPathFactory) -> BusPlan:
    """PostgreSQL and RabbitMQ, where the state services give up on a registry after
    `DEADLINE_SECONDS` (an answer that comes later is lost to them, its effect done), and the
    portal's consumers retry a failed message after milliseconds instead of seconds (an outage
    is many attempts in little wall time)."""
    deadline: dict[str, object] = {"gateway_timeout_seconds": DEADLINE_SECONDS}
    portal = {**deadline, "bus_retry_first_delay": 0.02, "bus_retry_max_delay": 0.1}
    return await _buses.bus(
        "impatient",
        lambda: _on_postgres_and_rabbitmq(
            tmp_path_factory.mktemp("impatient"),
            registration_service=portal,
            frontoffice_service=deadline,
        ),
    )


@pytest.fixture
async def embedded_bus(_buses: _OneAtATime, tmp_path_factory: pytest.TempPathFactory) -> BusPlan:
    """SQLite and the in-process bus (`egov up` with nothing configured), whose retries follow
    the bus clock; a buyer holds at most `STREAMS` live streams."""
    settings = {"registration_service": {"streams_per_principal": STREAMS}}
    return await _buses.bus(
        "embedded", lambda: running_bus(tmp_path_factory.mktemp("embedded"), extra=settings)
    )


@pytest.fixture
async def clear_bus(_buses: _OneAtATime, tmp_path_factory: pytest.TempPathFactory) -> BusPlan:
    """The embedded bus of a private run: the gateway keeps clear text."""
    settings = {"gateway": {"keep_clear_text": True}}
    return await _buses.bus(
        "clear", lambda: running_bus(tmp_path_factory.mktemp("clear"), extra=settings)
    )
