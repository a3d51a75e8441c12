"""All SQL of ЭПТС / ЭПСМ."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from eps_passports.models import Passport, PassportKind, PassportStatus

_BY_VIN = (
    select(Passport)
    .where(Passport.vin == bindparam("vin"), Passport.kind.in_(bindparam("kinds", expanding=True)))
    .order_by(
        case((Passport.status == PassportStatus.ANNULLED, 1), else_=0),
        Passport.issue_date.desc(),
        Passport.number.desc(),
    )
    .limit(1)
)


class PassportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, number: str) -> Passport | None:
        return await self.session.get(Passport, number)

    async def by_vin(self, vin: str, kinds: Collection[PassportKind]) -> Passport | None:
        """The passport that speaks for this VIN now.

        A VIN may carry an annulled passport beside the one issued instead: the live one
        wins, then the newest.
        """
        result = await self.session.execute(_BY_VIN, {"vin": vin, "kinds": list(kinds)})
        return result.scalar_one_or_none()

    async def search(
        self, *, vin: str | None, kind: PassportKind | None, limit: int, offset: int
    ) -> list[Passport]:
        query = select(Passport).order_by(Passport.number).limit(limit).offset(offset)
        if vin is not None:
            query = query.where(Passport.vin == vin)
        if kind is not None:
            query = query.where(Passport.kind == kind)
        return list((await self.session.scalars(query)).all())

    async def save(self, passport: Passport) -> Passport:
        """Insert the passport or replace the one stored under its number."""
        stored = await self.session.merge(passport)
        await self.session.flush()
        return stored

    async def delete(self, number: str) -> bool:
        result = await self.session.execute(delete(Passport).where(Passport.number == number))
        return bool(result.rowcount)  # type: ignore[attr-defined]
