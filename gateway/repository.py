"""All SQL of the gateway's registry of interactions, and of the bus clock it keeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import AccessRight, BusClockRow, RegisteredService, Sender
from servicekit.clock import ClockState


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def services(self) -> Sequence[RegisteredService]:
        return (await self.session.scalars(select(RegisteredService))).all()

    async def senders(self) -> Sequence[Sender]:
        return (await self.session.scalars(select(Sender))).all()

    async def access_rights(self) -> Sequence[AccessRight]:
        return (await self.session.scalars(select(AccessRight))).all()

    async def save_service(self, service: RegisteredService) -> None:
        await self.session.merge(service)

    async def delete_service(self, service_id: str) -> bool:
        result = await self.session.execute(
            delete(RegisteredService).where(RegisteredService.service_id == service_id)
        )
        await self.session.execute(delete(AccessRight).where(AccessRight.service_id == service_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def save_sender(self, sender: Sender) -> None:
        await self.session.merge(sender)

    async def delete_sender(self, sender_id: str) -> bool:
        await self.session.execute(delete(AccessRight).where(AccessRight.sender_id == sender_id))
        result = await self.session.execute(delete(Sender).where(Sender.sender_id == sender_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def grant(self, sender_id: str, service_id: str) -> None:
        await self.session.merge(AccessRight(sender_id=sender_id, service_id=service_id))

    async def revoke(self, sender_id: str, service_id: str) -> bool:
        result = await self.session.execute(
            delete(AccessRight).where(
                AccessRight.sender_id == sender_id, AccessRight.service_id == service_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class ClockRepository:
    _ROW = 1

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self) -> ClockState | None:
        row = await self.session.get(BusClockRow, self._ROW)
        if row is None:
            return None
        return ClockState(timedelta(microseconds=row.offset_us), row.frozen_at, row.version)

    async def save(self, state: ClockState) -> None:
        await self.session.merge(
            BusClockRow(
                id=self._ROW,
                offset_us=state.offset // timedelta(microseconds=1),
                frozen_at=state.frozen_at,
                version=state.version,
            )
        )
