"""Wakes the cabinets' live streams (V10…: server-sent events) when a transaction that added
notifications commits, so a page sees a notification as soon as it exists; a slow poll covers
notifications committed by another process of the service.

A stream waits on the key it reads by — the buyer's ИИН, or one application's id — and a
commit wakes only the streams of the keys it notified about: with many cabinets open, one
notification costs one read per stream that shows it, not one per open stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from weakref import WeakValueDictionary


class NoticeBoard:
    def __init__(self) -> None:
        # Held by the streams that wait on them: a key nobody waits on is forgotten by itself.
        self._changed: WeakValueDictionary[str, asyncio.Event] = WeakValueDictionary()

    def changed(self, key: str) -> asyncio.Event:
        """Take this before reading the notifications of `key`: it is set by any commit after
        that notifies about `key`."""
        event = self._changed.get(key)
        if event is None:
            event = self._changed[key] = asyncio.Event()
        return event

    async def wake(self, *keys: str) -> None:
        for key in keys:
            event = self._changed.pop(key, None)
            if event is not None:
                event.set()

    @staticmethod
    async def wait(changed: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), seconds)
