"""All SQL of ГБД ЮЛ."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from gbd_ul.models import Activity, Organization, OrganizationStatus

_ORGANIZATION = (
    select(Organization)
    .options(joinedload(Organization.activities))
    .where(Organization.bin == bindparam("bin"))
)


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, bin_: str) -> Organization | None:
        """An entity with its ОКЭД codes, in one query (a join, not a second SELECT)."""
        result = await self.session.execute(_ORGANIZATION, {"bin": bin_})
        return result.unique().scalar_one_or_none()

    async def find(
        self,
        *,
        status: OrganizationStatus | None = None,
        oked: str | None = None,
        name: str | None = None,
        limit: int = 100,
    ) -> Sequence[Organization]:
        """Entities by БИН order, narrowed by status, an ОКЭД code (main or secondary) and a
        piece of the short or full name."""
        query = select(Organization).order_by(Organization.bin).limit(limit)
        if status is not None:
            query = query.where(Organization.status == status)
        if oked is not None:
            query = query.where(
                Organization.bin.in_(select(Activity.bin).where(Activity.code == oked))
            )
        if name is not None:
            pattern = f"%{name}%"
            query = query.where(
                Organization.name.ilike(pattern) | Organization.short_name.ilike(pattern)
            )
        return (await self.session.scalars(query)).all()

    async def replace(self, organization: Organization) -> None:
        """Store an entity with its codes, replacing whatever was stored under the БИН."""
        await self.delete(organization.bin)
        self.session.add(organization)
        await self.session.flush()

    async def delete(self, bin_: str) -> bool:
        """Remove an entity (its codes go with it); False when there was none."""
        existing = await self.get(bin_)
        if existing is None:
            return False
        await self.session.delete(existing)
        await self.session.flush()
        return True
