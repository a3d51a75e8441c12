"""All SQL of the gateway."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import RegisteredService


class ServiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> Sequence[RegisteredService]:
        return (await self.session.scalars(select(RegisteredService))).all()

    async def upsert(self, service: RegisteredService) -> None:
        await self.session.merge(service)
