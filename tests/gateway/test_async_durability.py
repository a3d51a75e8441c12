"""Nothing the async channel accepted is lost: not by a broker restart, not by a gateway
restart, not by a message stored but never published. Against the real RabbitMQ."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from servicekit.http_clients import async_client
from tests.backends import fresh_vhost, restart_rabbitmq
from tests.gateway.test_async_channel import (
    FAST_RETRIES,
    IIN,
    PROVIDER_SENDER,
    PULL,
    Async,
    message,
)
from tests.gateway.test_async_relay import unpublished
from tests.harness import ADMIN, eventually, running_bus

# The broker restarts: no other test may be using it meanwhile.
pytestmark = [pytest.mark.slow, pytest.mark.serial]


async def _pull_service(client: httpx.AsyncClient) -> None:
    reply = await client.put(
        f"/admin/services/{PULL}",
        json={"provider": "gbd_fl", "mode": "async", "delivery": "pull", "path": "/shep/async"},
        headers=ADMIN,
    )
    assert reply.status_code == 200, reply.text


async def _collect(channel: Async, expected: set[str]) -> set[str]:
    """Take and confirm messages until every expected id arrived; fail on a duplicate."""
    got: set[str] = set()

    async def more() -> bool:
        for taken in await channel.take(PULL, PROVIDER_SENDER, amount=50):
            message_id = taken["messageInfo"]["messageId"]
            assert message_id not in got, f"{message_id} handed out twice after confirmation"
            got.add(message_id)
            await channel.confirm(message_id, PROVIDER_SENDER)
        return got >= expected

    await eventually(more, within=30)
    return got


@pytest.fixture
async def amqp_url() -> AsyncIterator[str]:
    async with fresh_vhost() as url:
        # Reconnect after a second, not aio-pika's default five.
        yield f"{url}?reconnect_interval=1"


async def test_broker_restart_loses_no_message(tmp_path: Path, amqp_url: str) -> None:
    async with (
        running_bus(tmp_path, amqp_url=amqp_url, extra=FAST_RETRIES) as bus,
        async_client(base_url=bus.url("gateway"), timeout=30) as client,
    ):
        channel = Async(client)
        await _pull_service(client)
        before = [message(PULL, {"iin": IIN, "n": n}) for n in range(5)]
        for body in before:
            assert (await channel.send(body)).status_code == 200
        await restart_rabbitmq()
        after = [message(PULL, {"iin": IIN, "n": n}) for n in range(5, 10)]
        for body in after:
            assert (await channel.send(body)).status_code == 200
        expected = {b["messageInfo"]["messageId"] for b in before + after}
        assert await _collect(channel, expected) == expected


async def test_gateway_restart_loses_no_message(tmp_path: Path, amqp_url: str) -> None:
    bodies = [message(PULL, {"iin": IIN, "n": n}) for n in range(3)]
    async with (
        running_bus(tmp_path, amqp_url=amqp_url, extra=FAST_RETRIES) as bus,
        async_client(base_url=bus.url("gateway")) as client,
    ):
        channel = Async(client)
        await _pull_service(client)
        for body in bodies:
            assert (await channel.send(body)).status_code == 200
    # A new gateway process on the same database and broker.
    async with (
        running_bus(tmp_path, amqp_url=amqp_url, extra=FAST_RETRIES) as bus,
        async_client(base_url=bus.url("gateway")) as client,
    ):
        channel = Async(client)
        expected = {b["messageInfo"]["messageId"] for b in bodies}
        assert await _collect(channel, expected) == expected


async def test_stored_but_unpublished_message_is_published_by_the_relay(
    tmp_path: Path, amqp_url: str
) -> None:
    async with (
        running_bus(tmp_path, amqp_url=amqp_url, extra=FAST_RETRIES) as bus,
        async_client(base_url=bus.url("gateway")) as client,
    ):
        channel = Async(client)
        await _pull_service(client)
        # As if a gateway had stored the message and died before the broker confirmed it.
        body = message(PULL, {"iin": IIN}, sessionId=str(uuid.uuid4()))
        message_id = body["messageInfo"]["messageId"]
        now = datetime.now(UTC)  # noqa: TID251 — a row written from outside the bus
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/gateway.db")
        async with async_sessionmaker(engine).begin() as session:
            session.add(unpublished(body, now))
        await engine.dispose()
        assert await _collect(channel, {message_id}) == {message_id}
