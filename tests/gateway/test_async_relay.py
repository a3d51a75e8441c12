"""The async channel's housekeeping on its own: the relay publishes what was stored and never
confirmed, once (`send` and the relay may reach the same message at the same moment); messages
pulled and never confirmed are stopped, pushed ones are left to their retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
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

MAILBOX = "shep.async.gbd_fl.TEST_Relay"


def _unpublished(message_id: str, mailbox: str = MAILBOX) -> StoredMessage:
    now = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    envelope: dict[str, Any] = {"messageInfo": {"messageId": message_id}, "messageData": {}}
    return StoredMessage(
        message_id=message_id,
        session_id=str(uuid.uuid4()),
        service_id="TEST_Relay",
        message_type="REQUEST",
        sender_id="tester",
        recipient="gbd_fl",
        mailbox=mailbox,
        state="ON_DELIVERY",
        attempts=0,
        published=False,
        created_at=now,
        updated_at=now,
        envelope=json.dumps(envelope),
    )


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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the message as unpublished; the first to claim it publishes it, the other
    finds the claim or, after it, the store saying it is published. Before, each published
    it: the provider got the request twice and answered twice."""
    async with service_database("gateway", "sqlite", tmp_path) as database:
        message_id = str(uuid.uuid4())
        async with database.sessionmaker.begin() as session:
            session.add(_unpublished(message_id))
        bus = InMemoryBus(InMemoryBroker())
        await bus.start()
        try:
            settings = AsyncSettings(
                max_attempts=3, backoff=(0.2,), relay_interval=1.0, outage_budget=60.0
            )
            # Publishing touches the store and the bus only, never the sync channel.
            channel = AsyncChannel(cast(SyncChannel, None), database, bus, settings)
            monkeypatch.setattr(channel, "_is_published", _both_asking(channel._is_published))
            published = await asyncio.gather(channel.relay(), channel.relay())
            assert sorted(published) == [0, 1]
            in_mailbox = await bus.get(MAILBOX, max_count=10)
            assert [d.message.message_id for d in in_mailbox] == [message_id]
            assert await channel.relay() == 0
        finally:
            await bus.close()


async def test_a_pushed_message_past_max_attempts_is_left_to_its_outage_budget(
    tmp_path: Path,
) -> None:
    """Issue 15's promise: a provider that is away is waited for. The housekeeping that stops
    pulled messages never confirmed stopped pushed ones too, once their attempts passed
    async_max_attempts and a retry was late (a loaded machine): their next deliveries were
    then dropped as settled, and the sender told DELIVERY_STOPPED."""
    pulled = "shep.async.gbd_fl.TEST_Pulled"
    async with service_database("gateway", "sqlite", tmp_path) as database:
        ids = {MAILBOX: str(uuid.uuid4()), pulled: str(uuid.uuid4())}
        async with database.sessionmaker.begin() as session:
            for mailbox, message_id in ids.items():
                stored = _unpublished(message_id, mailbox)
                stored.attempts, stored.state = 7, "NOT_DELIVERED"
                session.add(stored)
        bus = InMemoryBus(InMemoryBroker())
        await bus.start()
        try:
            settings = AsyncSettings(
                max_attempts=3, backoff=(0.2,), relay_interval=1.0, outage_budget=60.0
            )
            clock = Clock()
            clock.freeze(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # an hour after both
            sync = SimpleNamespace(clock=clock, registry=SimpleNamespace(services={}))
            channel = AsyncChannel(cast(SyncChannel, sync), database, bus, settings)
            await channel._ensure_mailbox(MAILBOX)
            channel._dispatchers[MAILBOX] = await bus.consume(MAILBOX, _never_called)
            assert await channel.stop_stalled() == 1
            async with database.sessionmaker() as session:
                states = {
                    mailbox: (await session.get(StoredMessage, message_id)).state  # type: ignore[union-attr]
                    for mailbox, message_id in ids.items()
                }
            assert states == {MAILBOX: "NOT_DELIVERED", pulled: "DELIVERY_STOPPED"}
        finally:
            await bus.close()


async def _never_called(delivery: Delivery) -> None:
    raise AssertionError(f"nothing is in the mailbox: {delivery.message.message_id}")
