"""The async channel's housekeeping on its own: the relay publishes what was stored and never
confirmed, once (`send` and the relay may reach the same message at the same moment); messages
pulled and never confirmed are stopped, pushed ones are left to their retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from gateway.async_channel import AsyncChannel, AsyncSettings
from gateway.async_store import StoredMessage
from gateway.sync_channel import SyncChannel
from servicekit.bus import Delivery, InMemoryBroker, InMemoryBus
from servicekit.clock import Clock
from tests.fixtures.databases import service_database
from tests.gateway.test_async_channel import message

PUSHED = "TEST_Pushed"
PULLED = "TEST_Pulled"
STORED_AT = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


def mailbox_of(service_id: str) -> str:
    return f"shep.async.gbd_fl.{service_id}"


def unpublished(body: dict[str, Any], at: datetime) -> StoredMessage:
    """A request from the tester to ГБД ФЛ as `send` stores it, before the broker confirmed
    it: what the relay is for."""
    info = body["messageInfo"]
    return StoredMessage(
        message_id=info["messageId"],
        session_id=info["sessionId"],
        service_id=info["serviceId"],
        message_type="REQUEST",
        sender_id="tester",
        recipient="gbd_fl",
        mailbox=mailbox_of(info["serviceId"]),
        state="ON_DELIVERY",
        attempts=0,
        published=False,
        created_at=at,
        updated_at=at,
        envelope=json.dumps(body),
    )


def _request(service_id: str) -> dict[str, Any]:
    return message(service_id, {}, sessionId=str(uuid.uuid4()))


@pytest.fixture
async def channel(tmp_path: Path) -> AsyncIterator[AsyncChannel]:
    """The gateway's async channel on its own store and an in-memory bus; of the sync
    channel, only the clock (an hour after the messages were stored) and an empty registry."""
    async with service_database("gateway", "sqlite", tmp_path) as database:
        bus = InMemoryBus(InMemoryBroker())
        await bus.start()
        clock = Clock()
        clock.freeze(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
        sync = SimpleNamespace(clock=clock, registry=SimpleNamespace(services={}))
        settings = AsyncSettings(
            max_attempts=3, backoff=(0.2,), relay_interval=1.0, outage_budget=60.0
        )
        try:
            yield AsyncChannel(cast(SyncChannel, sync), database, bus, settings)
        finally:
            await bus.close()


async def _store(channel: AsyncChannel, *stored: StoredMessage) -> None:
    async with channel.db.sessionmaker.begin() as session:
        session.add_all(stored)


def _both_asking(
    is_published: Callable[[StoredMessage], Awaitable[bool]],
) -> Callable[[StoredMessage], Awaitable[bool]]:
    """The store's answer held until a second publisher has asked too (or half a second has
    passed): the moment where both have read "unpublished" and neither has published yet."""
    asked = 0
    both = asyncio.Event()

    async def held(stored: StoredMessage) -> bool:
        nonlocal asked
        answer = await is_published(stored)
        asked += 1
        if asked >= 2:
            both.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), 0.5)
        return answer

    return held


async def test_two_publishers_reaching_one_stored_message_put_it_in_the_mailbox_once(
    channel: AsyncChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the message as unpublished; the first to claim it publishes it, the other
    finds the claim or, after it, the store saying it is published. Before, each published
    it: the provider got the request twice and answered twice."""
    stored = unpublished(_request(PUSHED), STORED_AT)
    await _store(channel, stored)
    monkeypatch.setattr(channel, "_is_published", _both_asking(channel._is_published))
    published = await asyncio.gather(channel.relay(), channel.relay())
    assert sorted(published) == [0, 1]
    in_mailbox = await channel.bus.get(stored.mailbox, max_count=10)
    assert [d.message.message_id for d in in_mailbox] == [stored.message_id]
    assert await channel.relay() == 0


async def test_a_pushed_message_past_max_attempts_is_left_to_its_outage_budget(
    channel: AsyncChannel,
) -> None:
    """Issue 15's promise: a provider that is away is waited for. The housekeeping that stops
    pulled messages never confirmed stopped pushed ones too, once their attempts passed
    async_max_attempts and a retry was late (a loaded machine): their next deliveries were
    then dropped as settled, and the sender told DELIVERY_STOPPED."""
    pushed, pulled = (unpublished(_request(s), STORED_AT) for s in (PUSHED, PULLED))
    for stored in (pushed, pulled):
        stored.attempts, stored.state = 7, "NOT_DELIVERED"
    await _store(channel, pushed, pulled)
    await channel._ensure_mailbox(pushed.mailbox)
    channel._dispatchers[pushed.mailbox] = await channel.bus.consume(pushed.mailbox, _never_called)
    assert await channel.stop_stalled() == 1
    async with channel.db.sessionmaker() as session:
        states = {
            stored.service_id: (await session.get(StoredMessage, stored.message_id)).state  # type: ignore[union-attr]
            for stored in (pushed, pulled)
        }
    assert states == {PUSHED: "NOT_DELIVERED", PULLED: "DELIVERY_STOPPED"}


async def _never_called(delivery: Delivery) -> None:
    raise AssertionError(f"nothing is in the mailbox: {delivery.message.message_id}")
