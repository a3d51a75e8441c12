"""ПШЭП's seed over a database an older seed wrote: the seed renumbers invoices (their numbers
carry their dates) and keeps their idempotency keys, so replacing by number alone would collide
on the key and keep the service from starting."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from payments.models import Base, Invoice, InvoiceItem, seed_versions
from payments.seed import load_data, seed
from servicekit.clock import Clock


async def test_a_newer_seed_replaces_an_invoice_an_older_one_numbered_otherwise(
    tmp_path: Path,
) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    first = load_data()["invoices"][0]
    async with sessions.begin() as session:
        await seed(session, Clock())
    # What the older seed left: the same invoice (same key) under another number.
    async with sessions.begin() as session:
        await session.execute(
            update(InvoiceItem)
            .where(InvoiceItem.invoice_number == first["number"])
            .values(invoice_number="OLD-0001")
        )
        await session.execute(
            update(Invoice).where(Invoice.number == first["number"]).values(number="OLD-0001")
        )
        await session.execute(delete(seed_versions))
    async with sessions.begin() as session:
        await seed(session, Clock())
    async with sessions() as session:
        numbers = set(await session.scalars(select(Invoice.number)))
        keys = await session.scalar(
            select(func.count()).where(Invoice.idempotency_key == first["idempotencyKey"])
        )
    assert first["number"] in numbers
    assert "OLD-0001" not in numbers
    assert keys == 1
    await engine.dispose()
