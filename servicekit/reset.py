"""`POST /admin/reset`: a service back to its seed without a restart (`egov reset` calls it on
every service of the bus).

The seed is what the service holds when it first starts on an empty database: a registry's
records of the personas (its `seed`), and nothing at all for what people make (applications,
invoices a test created, plates reserved). Every table is emptied and the seed written again,
in one transaction; what a service keeps across a reset (`ServiceDefinition.reset_keeps`: the
gateway's bus clock and its hash-chained message log, НУЦ's login keys, which signed the
tokens people still hold) stays. The bus clock and run-time switches (the auto-decision rule)
are no data: they stay as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence

import structlog
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.clock import Clock
from servicekit.db import AppDatabase, Database

log = structlog.get_logger(__name__)

Seed = Callable[[AsyncSession, Clock], Awaitable[None]]
Hook = Callable[[FastAPI], Awaitable[None]]
MIGRATIONS_TABLE = "alembic_version"


class ResetReport(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    service: str
    emptied: list[str]
    kept: list[str]
    seeded: bool


def _tables(connection: Connection) -> MetaData:
    # Reflected, not the models' metadata: a table a migration made and no model maps (an
    # outbox, a counter) is data of the service too.
    metadata = MetaData()
    metadata.reflect(connection)
    return metadata


async def reset(
    database: Database, clock: Clock, seed: Seed | None, keeps: Collection[str]
) -> tuple[list[str], bool]:
    """Empty every table but `keeps` (children before parents) and write the seed again, in
    one transaction; the tables emptied, and whether there was a seed."""
    async with database.sessionmaker.begin() as session:
        connection = await session.connection()
        metadata = await connection.run_sync(_tables)
        emptied = []
        for table in reversed(metadata.sorted_tables):
            if table.name in keeps or table.name == MIGRATIONS_TABLE:
                continue
            await session.execute(table.delete())
            emptied.append(table.name)
        if seed is not None:
            await seed(session, clock)
    return sorted(emptied), seed is not None


def reset_router(
    service: str, seed: Seed | None, keeps: Collection[str], after: Sequence[Hook]
) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin: reset"])

    @router.post(
        "/reset",
        summary="Back to the seed: every table emptied and the seed written again",
        description=__doc__ or "",
    )
    async def reset_service(
        _: AdminOnly, request: Request, database: AppDatabase, clock: BusClock
    ) -> ResetReport:
        emptied, seeded = await reset(database, clock, seed, keeps)
        for hook in after:
            await hook(request.app)
        log.info("service reset to its seed", service=service, tables=len(emptied))
        return ResetReport(service=service, emptied=emptied, kept=sorted(keeps), seeded=seeded)

    return router
