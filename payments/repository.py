"""All SQL of ПШЭП."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from payments.models import (
    Invoice,
    InvoiceItem,
    InvoiceState,
    InvoiceStatus,
    MrpRate,
    PaymentMethod,
    Purpose,
)
from servicekit.db import insert_new

_PURPOSES = select(Purpose).where(Purpose.code.in_(bindparam("codes", expanding=True)))
# With items, in one query (a join), re-read even if the session holds the invoice: a
# conditional UPDATE may just have changed it.
_INVOICES = (
    select(Invoice).options(joinedload(Invoice.items)).execution_options(populate_existing=True)
)
_INVOICE = _INVOICES.where(Invoice.number == bindparam("number"))
_BY_IDEMPOTENCY_KEY = _INVOICES.where(Invoice.idempotency_key == bindparam("key"))
_INSERT_IF_NEW = insert_new(Invoice, Invoice.number, unique=[Invoice.idempotency_key])
_MARK_PAID = (
    update(Invoice)
    .where(
        Invoice.number == bindparam("b_number"),
        Invoice.status == InvoiceState.UNPAID,
        Invoice.expires_at > bindparam("at"),
    )
    .values(
        status=InvoiceState.PAID,
        paid_at=bindparam("at"),
        payment_key=bindparam("v_key"),
        payment_method=bindparam("v_method"),
        receipt_number=bindparam("v_receipt"),
    )
    .execution_options(synchronize_session=False)
)


class MrpRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, year: int) -> MrpRate | None:
        return await self.session.get(MrpRate, year, populate_existing=True)

    async def all(self) -> Sequence[MrpRate]:
        return (await self.session.scalars(select(MrpRate).order_by(MrpRate.year))).all()

    async def save(self, rate: MrpRate) -> MrpRate:
        return await self.session.merge(rate)


class PurposeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_codes(self, codes: Iterable[str]) -> dict[str, Purpose]:
        found = await self.session.scalars(_PURPOSES, {"codes": sorted(set(codes))})
        return {p.code: p for p in found}

    async def all(self) -> Sequence[Purpose]:
        return (await self.session.scalars(select(Purpose).order_by(Purpose.code))).all()

    async def save(self, purpose: Purpose) -> None:
        await self.session.merge(purpose)


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, number: str) -> Invoice | None:
        """An invoice with its items, re-read even if this session has it (a conditional
        UPDATE may just have changed it). The items come in the same query (a join), not in
        a second one."""
        found = await self.session.scalars(_INVOICE, {"number": number})
        return found.unique().one_or_none()

    async def by_idempotency_key(self, key: str) -> Invoice | None:
        found = await self.session.scalars(_BY_IDEMPOTENCY_KEY, {"key": key})
        return found.unique().one_or_none()

    async def insert_if_new(self, values: dict[str, Any], items: list[InvoiceItem]) -> bool:
        """Insert an invoice unless one with its idempotency key exists; False if one does.

        ON CONFLICT DO NOTHING on the unique key: of two concurrent calls with one key, the
        second waits for the first to commit and then inserts nothing, instead of failing.
        """
        inserted = await self.session.scalar(_INSERT_IF_NEW(self.session), values)
        if inserted is None:
            return False
        self.session.add_all(items)
        await self.session.flush()
        return True

    async def replace(self, invoice: Invoice) -> None:
        """Insert an invoice with items, replacing whatever was stored under its number or its
        idempotency key (a newer seed may renumber an invoice and keep its key)."""
        for existing in {
            await self.get(invoice.number),
            await self.by_idempotency_key(invoice.idempotency_key),
        } - {None}:
            await self.session.delete(existing)
        await self.session.flush()
        self.session.add(invoice)
        await self.session.flush()

    async def mark_paid(
        self,
        number: str,
        *,
        key: str,
        method: PaymentMethod,
        receipt_number: str,
        at: datetime,
    ) -> bool:
        """Pay an invoice that is unpaid and not expired at `at`; False if it is not.

        One conditional UPDATE: of two concurrent payments the second finds the row no
        longer UNPAID once the first commits, and changes nothing.
        """
        result = await self.session.execute(
            _MARK_PAID,
            {
                "b_number": number,
                "at": at,
                "v_key": key,
                "v_method": method,
                "v_receipt": receipt_number,
            },
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def cancel(self, number: str, at: datetime) -> bool:
        """Cancel an invoice that is not paid (expired ones too); False if it is not there,
        paid or already cancelled."""
        result = await self.session.execute(
            update(Invoice)
            .where(Invoice.number == number, Invoice.status == InvoiceState.UNPAID)
            .values(status=InvoiceState.CANCELLED, cancelled_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def listing(
        self,
        *,
        payer_iin: str | None,
        payer_bin: str | None,
        status: InvoiceStatus | None,
        now: datetime,
    ) -> Sequence[Invoice]:
        """Invoices by payer and status as of `now` (EXPIRED is UNPAID past its expiry)."""
        query = select(Invoice).order_by(Invoice.created_at)
        if payer_iin is not None:
            query = query.where(Invoice.payer_iin == payer_iin)
        if payer_bin is not None:
            query = query.where(Invoice.payer_bin == payer_bin)
        if status in (InvoiceStatus.PAID, InvoiceStatus.CANCELLED):
            query = query.where(Invoice.status == InvoiceState(status.value))
        elif status is InvoiceStatus.UNPAID:
            query = query.where(Invoice.status == InvoiceState.UNPAID, Invoice.expires_at > now)
        elif status is InvoiceStatus.EXPIRED:
            query = query.where(Invoice.status == InvoiceState.UNPAID, Invoice.expires_at <= now)
        return (await self.session.scalars(query)).all()

    async def paid_for(
        self,
        *,
        payer_iin: str | None,
        payer_bin: str | None,
        purpose: str,
        since: datetime | None,
    ) -> Sequence[tuple[Invoice, InvoiceItem]]:
        """Paid invoice items of this payer for this purpose, oldest payment first."""
        query = (
            select(Invoice, InvoiceItem)
            .join(InvoiceItem, InvoiceItem.invoice_number == Invoice.number)
            .where(Invoice.status == InvoiceState.PAID, InvoiceItem.purpose == purpose)
            .order_by(Invoice.paid_at, InvoiceItem.position)
        )
        if payer_iin is not None:
            query = query.where(Invoice.payer_iin == payer_iin)
        if payer_bin is not None:
            query = query.where(Invoice.payer_bin == payer_bin)
        if since is not None:
            query = query.where(Invoice.paid_at >= since)
        rows = await self.session.execute(query)
        return [(invoice, item) for invoice, item in rows]
