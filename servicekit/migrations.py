"""Alembic environment shared by every service.

Each service's `migrations/env.py` is two lines: import its metadata and call `run_env`.
`Database.migrate` hands Alembic an open connection; the `alembic` command line (for writing
a new revision) gets a URL instead.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, MetaData, create_engine, pool

from servicekit.db import UtcDateTime


def _configure_and_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _render_item(kind: str, item: Any, _context: Any) -> str | Literal[False]:
    # A migration must not depend on the kit's Python types: what the database holds is a
    # plain timezone-aware timestamp.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(metadata: MetaData) -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url (a sync driver URL) to run alembic by hand")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as sync_connection:
        _configure_and_run(sync_connection, metadata)
