"""The gateway's message log as the app holds it: the writer, and verify, export, prune, read."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog

from gateway.message_log.chain import START, Break, ChainCheck, exported
from gateway.message_log.repository import MessageLogRepository
from gateway.message_log.writer import MessageLogWriter
from gateway.settings import Settings
from servicekit.clock import Clock
from servicekit.db import Database

log = structlog.get_logger(__name__)

PRUNE_EVERY = timedelta(hours=1)
"""Bus-clock time between two prunes."""

PAGE = 1000
"""Records read at a time by verify and export: the table may be far larger than memory."""


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_broken: Break | None


@dataclass(frozen=True, slots=True)
class PruneReport:
    deleted: int
    anchor_seq: int | None
    cutoff: datetime | None
    """Records recorded before this were due; None when retention is off."""


class MessageLog:
    def __init__(self, settings: Settings) -> None:
        self.retention_days = settings.message_log_retention_days
        self.check_seconds = settings.message_log_prune_check_seconds
        self.writer = MessageLogWriter(
            queue_size=settings.message_log_queue_size,
            batch_size=settings.message_log_batch_size,
            flush_ms=settings.message_log_flush_ms,
        )
        # A prune in the middle of a verification would look like a gap in the chain.
        self._walk_lock = asyncio.Lock()
        self._db: Database | None = None
        self._clock: Clock | None = None
        self._upkeep: asyncio.Task[None] | None = None
        self._next_prune: datetime | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the message log is not started")
        return self._db

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            raise RuntimeError("the message log is not started")
        return self._clock

    def start(self, database: Database, clock: Clock) -> None:
        self._db, self._clock = database, clock
        self.writer.start(database)
        if self.retention_days:
            self._upkeep = asyncio.create_task(self._prune_when_due(), name="message-log:prune")

    async def stop(self) -> None:
        if self._upkeep is not None:
            self._upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upkeep
        await self.writer.stop()

    async def verify(self) -> Verification:
        """Recompute the chain from the anchor to the newest record, a page at a time."""
        async with self._walk_lock, self.db.engine.connect() as connection:
            repository = MessageLogRepository(connection)
            check = ChainCheck(await repository.anchor() or START)
            while page := await repository.page(check.expected.seq, PAGE):
                if not all(check.check(record) for record in page):
                    break
                if len(page) < PAGE:
                    break
        return Verification(check.broken is None, check.checked, check.broken)

    async def export(self, start: datetime, end: datetime) -> AsyncIterator[bytes]:
        """The records recorded in [start, end) as JSON Lines, in seq order, a page per chunk."""
        async with self.db.engine.connect() as connection:
            repository = MessageLogRepository(connection)
            after = 0
            while page := await repository.page(after, PAGE, start=start, end=end):
                yield b"".join(orjson.dumps(exported(r)) + b"\n" for r in page)
                after = page[-1]["seq"]

    async def recent(
        self, *, service_id: str | None, correlation_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        async with self.db.engine.connect() as connection:
            rows = await MessageLogRepository(connection).recent(
                service_id=service_id, correlation_id=correlation_id, limit=limit
            )
        return [exported(row) for row in rows]

    async def prune(self) -> PruneReport:
        """Delete what retention no longer keeps, moving the anchor in the same transaction."""
        now = self.clock.now()
        async with self._walk_lock, self.db.engine.begin() as connection:
            repository = MessageLogRepository(connection)
            if not self.retention_days:
                anchor = await repository.anchor()
                return PruneReport(0, anchor.seq if anchor else None, None)
            cutoff = now - timedelta(days=self.retention_days)
            pruned = await repository.prune(cutoff, now)
        if pruned.deleted:
            log.info("message log pruned", deleted=pruned.deleted, cutoff=cutoff.isoformat())
        return PruneReport(pruned.deleted, pruned.anchor.seq if pruned.anchor else None, cutoff)

    async def _prune_when_due(self) -> None:
        """Prune every `PRUNE_EVERY` of bus-clock time, looking every `check_seconds` of real
        time: testers move the bus clock by days, and retention must follow it."""
        while True:
            now = self.clock.now()
            due = self._next_prune
            # A clock set back before the last prune would otherwise postpone the next one.
            if due is None or now >= due or now < due - PRUNE_EVERY:
                try:
                    await self.prune()
                    self._next_prune = now + PRUNE_EVERY
                except Exception:
                    log.exception("message log: prune failed; trying again at the next check")
            await asyncio.sleep(self.check_seconds)
