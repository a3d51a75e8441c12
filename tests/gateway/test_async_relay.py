"""The async channel's relay publishes what was stored and never confirmed, once: `send` and
the relay may reach the same message at the same moment."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from gateway.async_channel import AsyncChannel, AsyncSettings
from gateway.async_store import StoredMessage
from gateway.sync_channel import SyncChannel
from servicekit.bus import InMemoryBroker, InMemoryBus
from tests.fixtures.databases import service_database

MAILBOX = "shep.async.gbd_fl.TEST_Relay"


def _unpublished(message_id: str) -> StoredMessage:
    now = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    envelope: dict[str, Any] = {"messageInfo": {"messageId": message_id}, "messageData": {}}
    return StoredMessage(
        message_id=message_id,
        session_id=str(uuid.uuid4()),
        service_id="TEST_Relay",
        message_type="REQUEST",
        sender_id="tester",
        recipient="gbd_fl",
        mailbox=MAILBOX,
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
