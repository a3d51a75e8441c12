"""All SQL of the recycling fee registry."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from recycling_fee.models import FeeStatus, RecyclingFee


class FeeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, vin: str) -> RecyclingFee | None:
        return await self.session.get(RecyclingFee, vin)

    async def find(
        self,
        *,
        status: FeeStatus | None = None,
        payer_bin: str | None = None,
        limit: int = 100,
    ) -> Sequence[RecyclingFee]:
        """Fees by VIN order, narrowed by status and the payer's БИН."""
        query = select(RecyclingFee).order_by(RecyclingFee.vin).limit(limit)
        if status is not None:
            query = query.where(RecyclingFee.status == status)
        if payer_bin is not None:
            query = query.where(RecyclingFee.payer_bin == payer_bin)
        return (await self.session.scalars(query)).all()

    async def replace(self, fee: RecyclingFee) -> RecyclingFee:
        """Store the fee of a VIN, replacing whatever was stored under it."""
        stored = await self.session.merge(fee)
        await self.session.flush()
        return stored

    async def delete(self, vin: str) -> bool:
        """Remove the fee of a VIN; False when there was none."""
        existing = await self.get(vin)
        if existing is None:
            return False
        await self.session.delete(existing)
        await self.session.flush()
        return True
