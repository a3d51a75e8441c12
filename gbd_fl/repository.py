"""All SQL of ГБД ФЛ."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from gbd_fl.models import Person

_PERSON = select(Person).options(joinedload(Person.documents)).where(Person.iin == bindparam("iin"))


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, iin: str) -> Person | None:
        """A person with documents, in one query (a join, not a second SELECT)."""
        result = await self.session.execute(_PERSON, {"iin": iin})
        return result.unique().scalar_one_or_none()

    async def page(self, *, limit: int, offset: int) -> Sequence[Person]:
        result = await self.session.scalars(
            select(Person)
            .options(selectinload(Person.documents))
            .order_by(Person.iin)
            .limit(limit)
            .offset(offset)
        )
        return result.all()

    async def delete(self, iin: str) -> bool:
        person = await self.get(iin)
        if person is None:
            return False
        await self.session.delete(person)
        return True

    async def replace(self, person: Person) -> None:
        """Insert a person with documents, replacing whatever was stored under the ИИН."""
        existing = await self.get(person.iin)
        if existing is not None:
            await self.session.delete(existing)
            await self.session.flush()
        self.session.add(person)
        await self.session.flush()
