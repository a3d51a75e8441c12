"""All SQL of the pick-up. A hand-over is one conditional UPDATE (`… WHERE status = 'READY'`)
whose row count says whether this request won; the bus's events are inserted with ON CONFLICT
DO NOTHING on their unique keys, so a repeated delivery changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.pickup.models import Pickup, PickupStatus
from servicekit.db import insert_new, one_row_changed

_ADD_PICKUP = insert_new(Pickup, Pickup.application_number)


# Re-read even when the session holds the row: a conditional UPDATE may just have changed it.
_PICKUP = (
    select(Pickup)
    .where(Pickup.application_number == bindparam("number"))
    .execution_options(populate_existing=True)
)


_READY_FOR = (
    select(Pickup)
    .where(Pickup.owner_iin == bindparam("owner_iin"), Pickup.status == PickupStatus.READY)
    .order_by(Pickup.ready_at, Pickup.application_number)
)


_HAND_OVER = (
    update(Pickup)
    .where(Pickup.application_number == bindparam("number"), Pickup.status == PickupStatus.READY)
    .values(
        status=PickupStatus.HANDED_OVER,
        handed_over_at=bindparam("at"),
        handed_over_by=bindparam("worker_iin"),
        ticket_id=bindparam("ticket_id"),
    )
    .execution_options(synchronize_session=False)
)


class PickupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_new(self, values: dict[str, Any]) -> bool:
        """Store a ready pick-up; False if its application number or event id is known."""
        return await self.session.scalar(_ADD_PICKUP(self.session), values) is not None

    async def get(self, application_number: str) -> Pickup | None:
        return await self.session.scalar(_PICKUP, {"number": application_number})

    async def ready_for(self, owner_iin: str) -> Sequence[Pickup]:
        """The owner's pick-ups still waiting, at any ЦОН, oldest first."""
        return (await self.session.scalars(_READY_FOR, {"owner_iin": owner_iin})).all()

    async def at_office(
        self, office: str, *, owner_iin: str | None, status: PickupStatus | None, limit: int
    ) -> Sequence[Pickup]:
        query = select(Pickup).where(Pickup.office == office)
        if owner_iin is not None:
            query = query.where(Pickup.owner_iin == owner_iin)
        if status is not None:
            query = query.where(Pickup.status == status)
        query = query.order_by(Pickup.ready_at, Pickup.application_number).limit(limit)
        return (await self.session.scalars(query)).all()

    async def hand_over(
        self, application_number: str, *, worker_iin: str, ticket_id: str, at: datetime
    ) -> bool:
        """READY → HANDED_OVER; False if it is not READY (any more)."""
        result = await self.session.execute(
            _HAND_OVER,
            {
                "number": application_number,
                "at": at,
                "worker_iin": worker_iin,
                "ticket_id": ticket_id,
            },
        )
        return one_row_changed(result)
