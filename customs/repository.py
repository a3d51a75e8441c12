"""All SQL of the customs registry."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from customs.models import CustomsRecord, PaymentStatus


def _status_is(status: PaymentStatus) -> ColumnElement[bool]:
    """The derived payment status (CustomsRecord.payment_status) as a SQL condition."""
    record = CustomsRecord
    total = record.duty + record.vat + record.excise + record.customs_fee
    if status is PaymentStatus.PAID:
        return record.paid_amount >= total
    if status is PaymentStatus.UNPAID:
        return and_(record.paid_amount == 0, total > 0)
    return and_(record.paid_amount > 0, record.paid_amount < total)


class CustomsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, vin: str) -> CustomsRecord | None:
        return await self.session.get(CustomsRecord, vin)

    async def find(
        self,
        *,
        status: PaymentStatus | None = None,
        payer: str | None = None,
        limit: int = 100,
    ) -> Sequence[CustomsRecord]:
        """Records by VIN order, narrowed by payment status and the payer's БИН or ИИН."""
        query = select(CustomsRecord).order_by(CustomsRecord.vin).limit(limit)
        if status is not None:
            query = query.where(_status_is(status))
        if payer is not None:
            query = query.where(
                or_(CustomsRecord.payer_bin == payer, CustomsRecord.payer_iin == payer)
            )
        return (await self.session.scalars(query)).all()

    async def replace(self, record: CustomsRecord) -> CustomsRecord:
        """Store the record of a VIN, replacing whatever was stored under it."""
        stored = await self.session.merge(record)
        await self.session.flush()
        return stored

    async def delete(self, vin: str) -> bool:
        """Remove the record of a VIN; False when there was none."""
        existing = await self.get(vin)
        if existing is None:
            return False
        await self.session.delete(existing)
        await self.session.flush()
        return True
