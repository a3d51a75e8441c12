"""Databases prepared once per test process, copied for every bus a test starts.

Creating, migrating and seeding fourteen databases is most of what starting a bus costs (about
ten seconds on two cores); copying prepared ones takes a fraction of a second: a file copy on
SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL. The services then find their schema at
head and their seed applied, and go on as they would on a database they had prepared
themselves. A template is made the first time a process needs it, with the settings of a bus
started with nothing configured, and removed when the process ends (`drop_all`).

A service whose test settings change what it writes into a fresh database (`PREPARED_BY`)
prepares its own, as before; so does one whose database is already there (a bus started again
on the same data, as a restart test does).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from egov.launcher import BusPlan
from egov.services import build_app
from servicekit.app import prepare_database
from servicekit.db import drop_postgres_database, service_database_url
from servicekit.topology import SERVICES, ServiceSpec

PREPARED_BY = frozenset({"registry_file", "data_dir", "database_url"})
"""The settings that change what a service writes into a fresh database (the gateway seeds
its registry file): a bus that sets one for a service gets no copy for that service."""


class Templates:
    """This process's prepared databases: one folder of SQLite files, and one set of
    PostgreSQL databases per server."""

    def __init__(self) -> None:
        self._sqlite: Path | None = None
        self._postgres: dict[str, str] = {}  # server URL → base name of its templates
        self._lock = asyncio.Lock()

    async def copy_into(
        self, data_dir: Path, database_url: str | None, extra: dict[str, dict[str, Any]]
    ) -> None:
        """Give each service of a bus on `data_dir` / `database_url` its prepared database,
        unless it has one already or its settings ask for its own."""
        services = [s for s in SERVICES if not PREPARED_BY & set(extra.get(s.name, {}))]
        if database_url is None:
            await self._copy_sqlite(data_dir, services)
        else:
            await self._copy_postgres(database_url, services)

    async def _copy_sqlite(self, data_dir: Path, services: list[ServiceSpec]) -> None:
        async with self._lock:
            if self._sqlite is None:
                folder = Path(tempfile.mkdtemp(prefix="egov-template-"))
                await _prepare(BusPlan(ports=_no_ports(), data_dir=folder))
                self._sqlite = folder
        _copy_files(self._sqlite, data_dir, services)

    async def _copy_postgres(self, database_url: str, services: list[ServiceSpec]) -> None:
        url = make_url(database_url)
        server = url.set(database="postgres").render_as_string(hide_password=False)
        async with self._lock:
            if server not in self._postgres:
                base = url.set(database=f"egovtemplate_{uuid.uuid4().hex[:10]}")
                rendered = base.render_as_string(hide_password=False)
                self._postgres[server] = rendered
                await _prepare(BusPlan(ports=_no_ports(), database_url=rendered))
        template = self._postgres[server]
        admin = await _connect(server)
        try:
            existing = {
                row["datname"]
                for row in await admin.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE $1",
                    f"{url.database}_%",
                )
            }
        finally:
            await admin.close()
        # All at once, each on its own connection: one after another they wait on the
        # server's flushes in turn.
        await asyncio.gather(
            *(
                _create_from(server, _database_name(template, s), _database_name(database_url, s))
                for s in services
                if _database_name(database_url, s) not in existing
            )
        )

    async def drop_all(self) -> None:
        if self._sqlite is not None:
            shutil.rmtree(self._sqlite, ignore_errors=True)
            self._sqlite = None
        for template in self._postgres.values():
            await asyncio.gather(
                *(
                    drop_postgres_database(make_url(service_database_url(template, s.name)))
                    for s in SERVICES
                )
            )
        self._postgres.clear()


TEMPLATES = Templates()


async def _prepare(plan: BusPlan) -> None:
    await asyncio.gather(*(prepare_database(build_app(s, **plan.settings(s))) for s in SERVICES))


def _copy_files(template: Path, data_dir: Path, services: list[ServiceSpec]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    for service in services:
        target = data_dir / f"{service.name}.db"
        if not target.exists():
            # The services closed their connections: the write-ahead log is checkpointed
            # into the file, which is the whole database.
            shutil.copyfile(template / target.name, target)


def _no_ports() -> dict[str, int]:
    # Never served: the settings want a port, the preparation opens none.
    return {s.name: 0 for s in SERVICES}


def _database_name(base_url: str, service: ServiceSpec) -> str:
    name = make_url(service_database_url(base_url, service.name)).database
    if not name or not all(c.isalnum() or c == "_" for c in name):
        raise ValueError(f"unsafe database name: {name!r}")
    return name


async def _create_from(server: str, template: str, name: str) -> None:
    admin = await _connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()


async def _connect(server: str) -> asyncpg.Connection:
    url = make_url(server)
    return await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database="postgres",
    )
