"""All SQL of the message log (SQLAlchemy Core: the writer inserts thousands of rows a second)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import RowMapping, Table, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.message_log.chain import START, Link, as_utc
from gateway.models import MessageLogAnchor, MessageLogRecord

# Declarative types `__table__` as any FromClause; these are tables.
records = cast(Table, MessageLogRecord.__table__)
anchors = cast(Table, MessageLogAnchor.__table__)

_ANCHOR_ID = 1
"""The anchor table holds one row: the last record retention deleted."""


@dataclass(frozen=True, slots=True)
class Pruned:
    deleted: int
    anchor: Link | None
    """The anchor after the prune (unchanged when nothing was deleted)."""


class MessageLogRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def anchor(self) -> Link | None:
        row = (
            await self.connection.execute(
                select(anchors.c.seq, anchors.c.hash).where(anchors.c.id == _ANCHOR_ID)
            )
        ).first()
        return Link(row.seq, row.hash) if row is not None else None

    async def tail(self) -> Link:
        """The end of the chain: the newest record, else the anchor, else the start."""
        row = (
            await self.connection.execute(
                select(records.c.seq, records.c.hash).order_by(records.c.seq.desc()).limit(1)
            )
        ).first()
        if row is not None:
            return Link(row.seq, row.hash)
        return await self.anchor() or START

    async def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        # One executemany: asyncpg pipelines it, SQLite runs it in one call of its thread.
        await self.connection.execute(insert(records), list(rows))

    async def page(
        self,
        after_seq: int,
        limit: int,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Sequence[RowMapping]:
        """Up to `limit` records after `after_seq` in seq order, recorded in [start, end)."""
        query = select(records).where(records.c.seq > after_seq)
        if start is not None:
            query = query.where(records.c.recorded_at >= as_utc(start))
        if end is not None:
            query = query.where(records.c.recorded_at < as_utc(end))
        result = await self.connection.execute(query.order_by(records.c.seq).limit(limit))
        return result.mappings().all()

    async def recent(
        self, *, service_id: str | None, correlation_id: str | None, limit: int
    ) -> Sequence[RowMapping]:
        query = select(records)
        if service_id is not None:
            query = query.where(records.c.service_id == service_id)
        if correlation_id is not None:
            query = query.where(records.c.correlation_id == correlation_id)
        result = await self.connection.execute(query.order_by(records.c.seq.desc()).limit(limit))
        return result.mappings().all()

    async def prune(self, cutoff: datetime, now: datetime) -> Pruned:
        """Delete the records before `cutoff` and move the anchor to the last one deleted.

        Only a prefix of the chain is deleted — up to the first record recorded at or after
        `cutoff` — so what remains is contiguous even when the bus clock went backwards.
        """
        # Walking seq upwards stops at the first record to keep: the cost is what is deleted.
        first_kept = (
            select(records.c.seq)
            .where(records.c.recorded_at >= as_utc(cutoff))
            .order_by(records.c.seq)
            .limit(1)
            .scalar_subquery()
        )
        # One statement, so one snapshot: read apart, the first kept record could be looked for
        # before the writer commits a batch and the last one to delete found after it.
        last_deleted = (
            select(records.c.seq, records.c.hash)
            .where(or_(first_kept.is_(None), records.c.seq < first_kept))
            .order_by(records.c.seq.desc())
            .limit(1)
        )
        row = (await self.connection.execute(last_deleted)).first()
        if row is None:
            return Pruned(0, await self.anchor())
        result = await self.connection.execute(delete(records).where(records.c.seq <= row.seq))
        values = {"seq": row.seq, "hash": row.hash, "pruned_at": as_utc(now)}
        moved = await self.connection.execute(
            update(anchors).where(anchors.c.id == _ANCHOR_ID).values(**values)
        )
        if not moved.rowcount:
            await self.connection.execute(insert(anchors).values(id=_ANCHOR_ID, **values))
        return Pruned(result.rowcount, Link(row.seq, row.hash))
