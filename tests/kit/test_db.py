"""Each service's own database, on SQLite (embedded) and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlalchemy import column, func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gbd_fl.models import Person, seed_versions
from gbd_fl.seed import load_records, seed
from servicekit.clock import Clock
from servicekit.db import (
    Database,
    DbSession,
    Effect,
    after_commit,
    after_rollback,
    before_commit,
    drop_postgres_database,
    lock_for_update,
    service_database_url,
)
from servicekit.errors import Problem, install_problem_handlers
from servicekit.http_clients import async_client
from servicekit.seeding import apply_seed
from tests.backends import require_postgres


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/nested/dir/kit.db"
    else:
        base = make_url(require_postgres()).set(database=f"egovtest_{uuid.uuid4().hex[:10]}")
        url = service_database_url(base.render_as_string(hide_password=False), "kit")
    db = Database(url)
    await db.create_if_missing()
    yield db
    await db.dispose()
    if not db.is_sqlite:
        await drop_postgres_database(db.url)


def test_service_database_url_gives_each_service_its_own_database() -> None:
    assert (
        service_database_url("postgresql://u:p@h:5433/egov", "gbd_fl")
        == "postgresql+asyncpg://u:p@h:5433/egov_gbd_fl"
    )


async def test_creating_twice_or_at_once_is_harmless(database: Database) -> None:
    await asyncio.gather(database.create_if_missing(), database.create_if_missing())
    async with database.engine.connect() as connection:
        assert await connection.scalar(text("SELECT 1")) == 1


async def test_a_read_for_update_waits_for_the_transaction_that_holds_it(
    database: Database,
) -> None:
    """`lock_for_update` on both backends: a second reader for update of the same rows waits
    until the first transaction ends (SQLite has no row locks: it waits on the database's)."""
    await database.migrate("gbd_fl:migrations")
    versions = table("alembic_version", column("version_num"))  # one row, at head
    query = select(versions.c.version_num)
    order: list[str] = []
    first_holds = asyncio.Event()

    async def first() -> None:
        async with database.sessionmaker.begin() as session:
            await session.scalar(await lock_for_update(session, query))
            first_holds.set()
            # Long enough for the second to reach its lock and wait there.
            await asyncio.sleep(0.3)
            order.append("first ends")

    async def second() -> None:
        await first_holds.wait()
        async with database.sessionmaker.begin() as session:
            await session.scalar(await lock_for_update(session, query))
            order.append("second reads")

    await asyncio.gather(first(), second())
    assert order == ["first ends", "second reads"]


async def test_migrations_reach_head_and_are_idempotent(database: Database) -> None:
    await database.migrate("gbd_fl:migrations")
    await database.migrate("gbd_fl:migrations")
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert {"persons", "documents", "seed_versions", "alembic_version"} <= tables
    config = Config()
    config.set_main_option("script_location", "gbd_fl:migrations")
    assert version == ScriptDirectory.from_config(config).get_current_head()


async def test_a_schema_at_head_is_left_to_itself_and_one_below_it_is_upgraded(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service starting again on its database asks one question (its revision), not
    Alembic's whole environment; a database one revision behind is still upgraded."""
    config = Config()
    config.set_main_option("script_location", "number_bank:migrations")
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None
    revision = script.get_revision(head)
    assert revision is not None
    assert isinstance(revision.down_revision, str)
    below = revision.down_revision
    await database.migrate("number_bank:migrations", below)
    await database.migrate("number_bank:migrations")
    async with database.engine.connect() as connection:
        assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == head

    def no_alembic(*_args: object) -> None:
        raise AssertionError("Alembic ran on a schema at head")

    monkeypatch.setattr("alembic.command.upgrade", no_alembic)
    await database.migrate("number_bank:migrations")


async def test_seed_is_applied_once_per_version(database: Database) -> None:
    await database.migrate("gbd_fl:migrations")
    clock = Clock()
    for _ in range(2):
        async with database.sessionmaker.begin() as session:
            await seed(session, clock)
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == len(load_records())
        assert await session.scalar(select(func.count()).select_from(seed_versions)) == 1
        # A tester's change survives a restart with the same seed version…
        person = await session.get(Person, load_records()[0]["iin"])
        assert person is not None
        person.phone = "+77000000000"
        await session.commit()
    async with database.sessionmaker.begin() as session:
        await seed(session, clock)
    async with database.sessionmaker() as session:
        person = await session.get(Person, load_records()[0]["iin"])
        assert person is not None
        assert person.phone == "+77000000000"


async def test_apply_seed_runs_the_loader_only_for_a_new_digest(database: Database) -> None:
    await database.migrate("gbd_fl:migrations")
    calls: list[str] = []

    async def loader(_session: object) -> None:
        calls.append("x")

    for digest in ("a", "a", "b"):
        async with database.sessionmaker.begin() as session:
            await apply_seed(
                session, seed_versions, name="t", digest=digest, clock=Clock(), load=loader
            )
    assert calls == ["x", "x"]


async def test_request_session_commits_on_success_and_rolls_back_on_error(
    database: Database,
) -> None:
    await database.migrate("gbd_fl:migrations")
    app = FastAPI()
    app.state.db = database
    install_problem_handlers(app)

    @app.post("/ok/{value}")
    async def ok(value: str, session: DbSession) -> None:
        await session.execute(
            seed_versions.insert().values(name=value, digest="d", applied_at=Clock().now())
        )

    @app.post("/fail/{value}")
    async def fail(value: str, session: DbSession) -> None:
        await session.execute(
            seed_versions.insert().values(name=value, digest="d", applied_at=Clock().now())
        )
        raise Problem("INVALID_VALUE", field="value")

    transport = httpx.ASGITransport(app=app)
    async with async_client(transport=transport, base_url="http://t") as client:
        assert (await client.post("/ok/kept")).status_code == 200
        assert (await client.post("/fail/dropped")).status_code == 400
    async with database.sessionmaker() as session:
        names = set(await session.scalars(select(seed_versions.c.name)))
    assert names == {"kept"}


async def test_effects_run_before_the_commit_after_it_or_after_the_rollback(
    database: Database,
) -> None:
    await database.migrate("gbd_fl:migrations")
    done: list[str] = []

    def row(session: AsyncSession, name: str) -> Effect:
        async def write() -> None:
            await session.execute(
                seed_versions.insert().values(name=name, digest="d", applied_at=Clock().now())
            )
            done.append(f"wrote {name}")

        return write

    def note(what: str) -> Effect:
        async def effect() -> None:
            done.append(what)

        return effect

    async def failing_request() -> None:
        async with database.transaction() as session:
            before_commit(session, row(session, "dropped"))
            after_rollback(session, note("rolled back"))
            raise RuntimeError("the request failed")

    async def failing_effect() -> None:
        async with database.transaction() as session:
            await row(session, "lost")()
            before_commit(session, row(session, "gathered"))  # the same name again
            after_rollback(session, note("rolled back"))

    async with database.transaction() as session:
        before_commit(session, row(session, "gathered"))
        after_commit(session, note("committed"))
        after_rollback(session, note("never"))
    with pytest.raises(RuntimeError):
        await failing_request()
    # A failing before-commit effect rolls the whole transaction back.
    with pytest.raises(IntegrityError):
        await failing_effect()
    async with database.sessionmaker() as session:
        names = set(await session.scalars(select(seed_versions.c.name)))
    assert names == {"gathered"}
    assert done == ["wrote gathered", "committed", "rolled back", "wrote lost", "rolled back"]
