"""The message log's writer: the channels' observer, and the one task that appends to the chain.

`observe()` is on the gateway's hot path, so it only puts the exchange on a bounded queue. One
background task per gateway process drains the queue in batches (up to `batch_size` records,
after letting a batch fill for `flush_ms`), digests them, links them into the chain in
memory and inserts each batch with one executemany in one transaction. Being the only writer is
what lets it number and chain records without asking the database for every one.

A failed batch (database down) is kept and retried with backoff for as long as the process
lives; only an overflowing queue drops records, and those are counted and logged. Stopping
writes everything queued, retrying for `STOP_GRACE` seconds at most.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from tenacity import AsyncRetrying, RetryCallState, wait_exponential

from gateway.exchange import Exchange
from gateway.message_log.chain import Link, link, prepare
from gateway.message_log.repository import MessageLogRepository
from servicekit.db import Database

log = structlog.get_logger(__name__)

STOP_GRACE = 10.0
"""Seconds a stopping gateway keeps retrying to write what is still queued."""

_DROP_WARNING_EVERY = 10_000
"""Under overload a warning per dropped record would add to the load: one per this many."""


class MessageLogWriter:
    def __init__(
        self,
        *,
        queue_size: int = 100_000,
        batch_size: int = 500,
        flush_ms: float = 20.0,
    ) -> None:
        self.batch_size = batch_size
        self.linger = flush_ms / 1000
        self.queue: asyncio.Queue[Exchange] = asyncio.Queue(maxsize=queue_size)
        self.accepted = 0
        """Exchanges queued since the process started."""
        self.written = 0
        """Exchanges committed to the log since the process started."""
        self.dropped = 0
        """Exchanges lost because the queue was full."""
        self.failures = 0
        """Attempts to commit a batch that failed (and were retried)."""
        self.stopping = False
        self._db: Database | None = None
        self._task: asyncio.Task[None] | None = None
        self._batch: list[dict[str, Any]] = []
        """Prepared records taken off the queue and not committed yet."""
        self._tail: Link | None = None
        """The chain's end as committed; None when it must be read from the database."""
        self._attempted: Link | None = None
        """The tail a failed commit would have made: it may have committed after all."""
        self._idle = False
        """True while waiting (for records or for a retry), when cancelling loses nothing."""
        self._progress = asyncio.Event()

    @property
    def queued(self) -> int:
        return self.accepted - self.written

    def observe(self, exchange: Exchange) -> None:
        try:
            self.queue.put_nowait(exchange)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % _DROP_WARNING_EVERY == 1:
                log.warning(
                    "message log queue full: records dropped",
                    dropped=self.dropped,
                    queue_size=self.queue.maxsize,
                )
            return
        self.accepted += 1

    def start(self, database: Database) -> None:
        self._db = database
        self._task = asyncio.create_task(self._run(), name="message-log:writer")

    async def stop(self) -> None:
        """Write everything still queued, for `STOP_GRACE` seconds at most, then stop."""
        self.stopping = True
        try:
            async with asyncio.timeout(STOP_GRACE):
                if self._task is not None:
                    # Waiting, the task is cancelled at once; writing, it finishes its batch
                    # (or gives up a failing one). What it has not committed stays in `_batch`.
                    if not self._idle:
                        await asyncio.wait([self._task])
                    self._task.cancel()
                    await asyncio.wait([self._task])
                while self._batch or not self.queue.empty():
                    self._fill()
                    async for attempt in AsyncRetrying(
                        wait=wait_exponential(multiplier=0.05, max=1),
                        before_sleep=_note_retry,
                        reraise=True,
                    ):
                        with attempt:
                            await self._write()
        except TimeoutError:
            log.error("message log: records lost at stop", lost=self.queued)
        finally:
            if self._task is not None:
                self._task.cancel()

    async def flush(self) -> None:
        """Wait until every exchange observed before the call is committed."""
        target = self.accepted
        while self.written < target:
            await self._progress.wait()

    # --- the writing task -------------------------------------------------------------------

    async def _run(self) -> None:
        retrying = AsyncRetrying(
            stop=self._giving_up,
            wait=wait_exponential(multiplier=0.05, max=5),
            sleep=self._idle_sleep,
            before_sleep=_note_retry,
            reraise=True,
        )
        while not self.stopping:
            self._idle = True
            try:
                first = await self.queue.get()
                self._batch.append(prepare(first))
                # Under load the queue already holds a batch; otherwise let one gather.
                if self.linger and self.queue.qsize() < self.batch_size - 1:
                    await asyncio.sleep(self.linger)
            finally:
                self._idle = False
            self._fill()
            try:
                async for attempt in retrying:
                    with attempt:
                        await self._write()
            except Exception:
                return  # retrying gives up only once stopping: `stop()` writes the batch

    def _giving_up(self, _state: RetryCallState) -> bool:
        # Once stopping, `stop()` takes over the batch and retries it with a deadline.
        return self.stopping

    async def _idle_sleep(self, seconds: float) -> None:
        self._idle = True
        try:
            await asyncio.sleep(seconds)
        finally:
            self._idle = False

    def _fill(self) -> None:
        while len(self._batch) < self.batch_size:
            try:
                exchange = self.queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            self._batch.append(prepare(exchange))

    async def _write(self) -> None:
        """Commit `_batch` as the next records of the chain."""
        if self._db is None:
            raise RuntimeError("the message log writer was not started")
        batch = self._batch
        try:
            async with self._db.engine.begin() as connection:
                repository = MessageLogRepository(connection)
                if self._tail is None:
                    self._tail = await repository.tail()
                    if self._tail == self._attempted:
                        # The last attempt committed, only its acknowledgement was lost.
                        self._done(len(batch))
                        return
                self._attempted = link(batch, self._tail)
                await repository.insert(batch)
        except BaseException:
            self.failures += 1
            self._tail = None  # read it again: the failed attempt may or may not be in
            raise
        self._tail = self._attempted
        self._done(len(batch))

    def _done(self, count: int) -> None:
        self._batch = []
        self._attempted = None
        self.written += count
        self._progress.set()
        self._progress = asyncio.Event()


def _note_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    log.warning(
        "message log: writing a batch failed, retrying",
        attempt=state.attempt_number,
        error=f"{type(error).__name__}: {error}",
    )
