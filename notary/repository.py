"""All SQL of ЕНИС."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notary.models import PowerOfAttorney


class PowerOfAttorneyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, number: str) -> PowerOfAttorney | None:
        return await self.session.get(PowerOfAttorney, number)

    async def for_parties(
        self, principal_iin: str, representative_iin: str
    ) -> list[PowerOfAttorney]:
        """Every power of attorney this principal gave this representative, newest first."""
        result = await self.session.scalars(
            select(PowerOfAttorney)
            .where(
                PowerOfAttorney.principal_iin == principal_iin,
                PowerOfAttorney.representative_iin == representative_iin,
            )
            .order_by(PowerOfAttorney.issued_on.desc(), PowerOfAttorney.number.desc())
        )
        return list(result.all())

    async def search(
        self,
        *,
        principal_iin: str | None,
        representative_iin: str | None,
        limit: int,
        offset: int,
    ) -> list[PowerOfAttorney]:
        query = select(PowerOfAttorney).order_by(PowerOfAttorney.number).limit(limit).offset(offset)
        if principal_iin is not None:
            query = query.where(PowerOfAttorney.principal_iin == principal_iin)
        if representative_iin is not None:
            query = query.where(PowerOfAttorney.representative_iin == representative_iin)
        return list((await self.session.scalars(query)).all())

    async def save(self, power: PowerOfAttorney) -> PowerOfAttorney:
        """Insert the power of attorney or replace the one stored under its number."""
        stored = await self.session.merge(power)
        await self.session.flush()
        return stored

    async def revoke(self, number: str, at: datetime, reason: str | None) -> bool:
        """Record the revocation unless one is recorded already: the database decides, so two
        revocations at once record one."""
        result = await self.session.execute(
            update(PowerOfAttorney)
            .where(PowerOfAttorney.number == number, PowerOfAttorney.revoked_at.is_(None))
            .values(revoked_at=at, revocation_reason=reason)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete(self, number: str) -> bool:
        result = await self.session.execute(
            delete(PowerOfAttorney).where(PowerOfAttorney.number == number)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
