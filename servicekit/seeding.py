"""Seed data that is applied once per version, so testers' changes survive a restart.

A service's seed is a function that writes its deterministic records; `apply_seed` runs it only
if this exact version (a digest of the seed data) has not been applied to this database yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import Clock


def define_seed_table(metadata: MetaData) -> Table:
    """The table of applied seed versions; every service's models call this once."""
    return Table(
        "seed_versions",
        metadata,
        Column("name", String(64), primary_key=True),
        Column("digest", String(64), primary_key=True),
        Column("applied_at", DateTime(timezone=True), nullable=False),
    )


def digest_of(*parts: bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part)
    return sha.hexdigest()


async def apply_seed(
    session: AsyncSession,
    table: Table,
    *,
    name: str,
    digest: str,
    clock: Clock,
    load: Callable[[AsyncSession], Awaitable[None]],
) -> bool:
    """Run `load` unless seed `name` at `digest` was applied; True when it ran now."""
    applied = await session.scalar(
        select(table.c.name).where(table.c.name == name, table.c.digest == digest)
    )
    if applied is not None:
        return False
    await load(session)
    applied_at: datetime = clock.now()
    await session.execute(table.insert().values(name=name, digest=digest, applied_at=applied_at))
    return True
