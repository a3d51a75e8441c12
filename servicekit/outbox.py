"""The transactional outbox: an event is stored in the same transaction as the change it tells
of, and a relay publishes it to the bus after the commit.

So an event is never published for a change that rolled back, and never lost for one that
committed: if the process dies between the commit and the publish, the relay publishes the
row when the service starts again. Delivery is at least once; consumers drop a repeated
`event_id` (the bus message id is the event id).

    outbox_table = define_outbox_table(Base.metadata)     # in models.py
    on_start, on_stop = outbox_hooks(outbox_table)        # in app.py, as start/stop hooks
    await outbox.stage(session, DocumentsReady(...))      # in a request's transaction
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import orjson
import structlog
from fastapi import Depends, FastAPI
from sqlalchemy import (
    Column,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.app import StartHook
from servicekit.app_state import app_state
from servicekit.bus import Message, MessageBus
from servicekit.clock import Clock
from servicekit.db import Database, UtcDateTime, after_commit
from servicekit.events import Event

log = structlog.get_logger(__name__)

_BATCH = 100
"""Events published per read of the outbox."""


def define_outbox_table(metadata: MetaData) -> Table:
    """The outbox of one service; its models call this once."""
    return Table(
        "outbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("routing_key", String(120), nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        Index("ix_outbox_unpublished", "created_at", postgresql_where="published_at IS NULL"),
    )


class Outbox:
    """Stages events in a request's transaction and publishes them, in order, after the
    commit; each row is marked published once the broker confirmed it. Woken by each commit
    that staged an event, and by a slow poll that picks up what an earlier process left."""

    def __init__(
        self,
        table: Table,
        db: Database,
        bus: MessageBus,
        clock: Clock,
        *,
        poll_seconds: float = 2.0,
    ) -> None:
        self.table, self.db, self.bus, self.clock = table, db, bus, clock
        c = table.c
        self._insert = table.insert()
        self._pending = (
            select(c.event_id, c.routing_key, c.body)
            .where(c.published_at.is_(None))
            .order_by(c.created_at, c.event_id)
            .limit(_BATCH)
        )
        self._mark = (
            update(table)
            .where(c.event_id.in_(bindparam("ids", expanding=True)))
            .values(published_at=bindparam("at"))
        )
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def stage(self, session: AsyncSession, event: Event) -> None:
        """Store `event` in the session's transaction; published after the commit, under its
        routing key (`Event.published_key`)."""
        await session.execute(
            self._insert,
            {
                "event_id": str(event.event_id),
                "routing_key": event.published_key(),
                "body": orjson.dumps(event.model_dump(mode="json", by_alias=True)),
                "created_at": event.occurred_at,
            },
        )
        after_commit(session, self.wake)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def wake(self) -> None:
        self._wake.set()

    async def flush(self) -> int:
        """Publish everything pending now; how many rows were published."""
        published = 0
        while True:
            async with self.db.autocommit() as session:
                rows = (await session.execute(self._pending)).all()
            if not rows:
                return published
            for event_id, routing_key, body in rows:
                await self.bus.publish(
                    routing_key, Message(body=body, message_id=event_id, type=routing_key)
                )
            # Marked together once the broker confirmed them all: a transaction per event cost
            # more than publishing it. If a publish fails, the batch goes again later (at least
            # once, as ever: consumers drop a repeated event id). One UPDATE is atomic by itself.
            async with self.db.autocommit() as session:
                await session.execute(
                    self._mark, {"ids": [row.event_id for row in rows], "at": self.clock.now()}
                )
            published += len(rows)
            if len(rows) < _BATCH:
                # That was all of it; what a later commit stages, its wake-up brings.
                return published

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker or the database is away: try again later
                log.warning("outbox relay failed, will retry", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)


def outbox_hooks(table: Table) -> tuple[StartHook, StartHook]:
    """The start and stop hooks of a service whose events leave through `table`: the relay
    runs as `app.state.outbox` while the service is up."""

    async def start_outbox(app: FastAPI) -> None:
        app.state.outbox = Outbox(table, app.state.db, app.state.bus, app.state.clock)
        app.state.outbox.start()

    async def stop_outbox(app: FastAPI) -> None:
        await app.state.outbox.stop()

    return start_outbox, stop_outbox


AppOutbox = Annotated[Outbox, Depends(app_state("outbox"))]
"""The outbox of a service that runs one (`outbox_hooks`): a route stages its events there."""
