"""Wakes the cabinets' live streams (V10…: server-sent events) when a transaction that added
notifications commits, so a page sees a notification as soon as it exists; a slow poll covers
notifications committed by another process of the service."""

from __future__ import annotations

import asyncio
import contextlib


class NoticeBoard:
    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def changed(self) -> asyncio.Event:
        """Take this before reading the notifications: it is set by any commit after."""
        return self._changed

    async def wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    @staticmethod
    async def wait(changed: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), seconds)
