"""Fixtures for the bus suite: every test runs on the in-memory bus and on a real RabbitMQ.

Each test gets its own exchange and queue-name prefix, and everything it declared is deleted
afterwards, so runs never see each other's messages, even on a shared broker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from uuid import uuid4

import aio_pika
import pytest

from servicekit.bus import InMemoryBroker, InMemoryBus, MessageBus, QueueSpec, RabbitMQBus
from servicekit.bus.base import RetryPolicy
from tests.backends import AMQP_URL, require_rabbitmq

FAST_RETRY = RetryPolicy(max_attempts=3, backoff=(0.05,))


class BusEnv:
    """One test's private corner of a backend: it opens buses there and records what to delete."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        tag = uuid4().hex[:12]
        self.exchange = f"test.{tag}"
        self._prefix = f"test.{tag}."
        self._broker = InMemoryBroker()
        self._buses: list[MessageBus] = []
        self._specs: dict[str, QueueSpec] = {}

    def queue(
        self,
        name: str,
        *,
        bindings: Sequence[str] = (),
        retry: RetryPolicy = FAST_RETRY,
        prefetch: int = 10,
    ) -> QueueSpec:
        spec = QueueSpec(self._prefix + name, bindings, retry, prefetch)
        self._specs[spec.name] = spec
        return spec

    async def open_bus(self) -> MessageBus:
        """Another client of the same broker, as another service or a restarted one would be."""
        bus = self._new_bus()
        await bus.start()
        self._buses.append(bus)
        return bus

    async def cleanup(self) -> None:
        for bus in self._buses:
            await bus.close()
        async with self._new_bus() as bus:
            for spec in self._specs.values():
                await bus.declare_queue(spec)
                await bus.delete_queue(spec.name)
            if isinstance(bus, RabbitMQBus):
                connection = await aio_pika.connect(AMQP_URL)
                async with connection:
                    channel = await connection.channel()
                    await channel.exchange_delete(bus.exchange)
                    await channel.exchange_delete(bus.dead_letter_exchange)

    def _new_bus(self) -> MessageBus:
        if self.backend == "memory":
            return InMemoryBus(self._broker, exchange=self.exchange)
        return RabbitMQBus(AMQP_URL, exchange=self.exchange)


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
async def bus_env(request: pytest.FixtureRequest) -> AsyncIterator[BusEnv]:
    backend: str = request.param
    if backend == "rabbitmq":
        require_rabbitmq()  # fails, or skips under EGOV_TEST_BACKENDS=optional
    env = BusEnv(backend)
    yield env
    await env.cleanup()


@pytest.fixture
async def bus(bus_env: BusEnv) -> MessageBus:
    return await bus_env.open_bus()
