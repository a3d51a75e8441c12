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
from collections.abc import Iterator
from weakref import WeakValueDictionary

from servicekit.errors import StepRefusal


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


class StreamSlots:
    """How many live streams each principal holds, and the cap on them: an open stream holds
    a connection and a task for as long as the caller likes, so one login must not open
    thousands."""

    def __init__(self, per_principal: int) -> None:
        self.per_principal = per_principal
        self._open: dict[str, int] = {}

    @contextlib.contextmanager
    def slot(self, principal: str) -> Iterator[None]:
        """Hold one of `principal`'s slots; TOO_MANY_STREAMS (429) when all are taken."""
        held = self._open.get(principal, 0)
        if held >= self.per_principal:
            raise StepRefusal(
                "TOO_MANY_STREAMS", "V10", status=429, field="Authorization", limit=held
            )
        self._open[principal] = held + 1
        try:
            yield
        finally:
            left = self._open[principal] - 1
            if left:
                self._open[principal] = left
            else:
                del self._open[principal]
