"""All SQL of ЕРАП."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from erap_fines.models import Fine

_BY_IIN = (
    select(Fine).where(Fine.iin == bindparam("iin")).order_by(Fine.decision_date, Fine.case_number)
)


class FineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_iin(self, iin: str) -> Sequence[Fine]:
        result = await self.session.scalars(_BY_IIN, {"iin": iin})
        return result.all()

    async def get(self, case_number: str) -> Fine | None:
        return await self.session.get(Fine, case_number, populate_existing=True)

    async def listing(self, iin: str | None, paid: bool | None) -> Sequence[Fine]:
        query = select(Fine).order_by(Fine.case_number)
        if iin is not None:
            query = query.where(Fine.iin == iin)
        if paid is not None:
            query = query.where(Fine.paid == paid)
        return (await self.session.scalars(query)).all()

    async def replace(self, fine: Fine) -> None:
        """Insert a fine, replacing whatever was stored under its case number."""
        await self.delete(fine.case_number)
        self.session.add(fine)
        await self.session.flush()

    async def delete(self, case_number: str) -> bool:
        result = await self.session.execute(delete(Fine).where(Fine.case_number == case_number))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_paid(self, case_number: str, payer_iin: str, at: datetime) -> bool:
        """Pay an unpaid fine; False when it is not there or already paid.

        One conditional UPDATE, so two payments of one fine racing each other pay it once:
        the second finds `paid` already true and changes nothing.
        """
        result = await self.session.execute(
            update(Fine)
            .where(Fine.case_number == case_number, Fine.paid.is_(False))
            .values(paid=True, paid_at=at, payer_iin=payer_iin)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
