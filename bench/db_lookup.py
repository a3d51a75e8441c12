"""What one registry lookup costs the service's process, by the way it reaches PostgreSQL.

The same ГБД ФЛ lookup (a person with documents, by ИИН) made four ways, each in its own unit
of work as a request would, on a fresh database seeded with the registry's own seed:

- ORM: `PersonRepository.get` as the registry does it (a session, the entity and its documents
  through a joined load);
- Core through a session: the same join as a Core SELECT executed by a session (rows, no
  entities);
- Core on a connection: the same SELECT on a pooled connection, no session;
- asyncpg: the same SQL on an asyncpg pool, no SQLAlchemy.

Prints the client's CPU per lookup (process time, so PostgreSQL's own work is not in it): the
figure to weigh before moving a hot path off the ORM. Run:

    .venv/bin/python bench/db_lookup.py [-n 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import Table, select

from gbd_fl.models import Base, Document, Person
from gbd_fl.repository import PersonRepository
from gbd_fl.seed import seed
from servicekit.clock import Clock
from servicekit.db import Database, drop_postgres_database

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
IIN = "900515310005"

Lookup = Callable[[], Awaitable[Any]]


async def lookups(db: Database, raw: asyncpg.Pool) -> dict[str, Lookup]:
    persons, documents = Person.__table__, Document.__table__
    assert isinstance(persons, Table)
    assert isinstance(documents, Table)
    query = (
        select(persons, documents)
        .outerjoin(documents, documents.c.iin == persons.c.iin)
        .where(persons.c.iin == IIN)
    )
    reading = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    sql = str(query.compile(dialect=reading.dialect))

    async def orm() -> Any:
        async with db.autocommit() as session:
            return await PersonRepository(session).get(IIN)

    async def core_session() -> Any:
        async with db.autocommit() as session:
            return (await session.execute(query)).all()

    async def core_connection() -> Any:
        async with reading.connect() as connection:
            return (await connection.execute(query)).all()

    async def plain() -> Any:
        async with raw.acquire() as connection:
            return await connection.fetch(sql, IIN)

    return {
        "ORM (session, entity, joined load)": orm,
        "Core through a session": core_session,
        "Core on a connection": core_connection,
        "asyncpg": plain,
    }


async def cpu_per_call(lookup: Lookup, n: int) -> float:
    for _ in range(n // 10):  # warm the statement caches
        await lookup()
    started = time.process_time()
    for _ in range(n):
        await lookup()
    return (time.process_time() - started) / n


async def main(n: int) -> None:
    db = Database(f"{SERVER}/egovbench_lookup_{uuid.uuid4().hex[:8]}")
    await db.create_if_missing()
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with db.transaction() as session:
            await seed(session, Clock())
        url = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        async with asyncpg.create_pool(url, min_size=1, max_size=1) as raw:
            ways = await lookups(db, raw)
            figures = {name: await cpu_per_call(lookup, n) for name, lookup in ways.items()}
    finally:
        await db.dispose()
        await drop_postgres_database(db.url)
    orm = figures["ORM (session, entity, joined load)"]
    print(f"ГБД ФЛ person lookup, {n} each, client CPU per lookup:")
    for name, seconds in figures.items():
        print(f"  {name:<36}{seconds * 1e3:6.3f} ms  ({seconds / orm:4.0%} of the ORM's)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3000)
    asyncio.run(main(parser.parse_args().n))
