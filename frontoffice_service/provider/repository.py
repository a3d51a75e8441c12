"""All SQL of the provider's desk: the applications its region received, their terms, and
their arrivals (the registry has its own, `machine_registry.repository`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.provider.models import Delivery
from servicekit.db import insert_new, lock_for_update

_RECORD_DELIVERY = insert_new(Delivery, Delivery.event_id, unique=[Delivery.event_id])
_DELIVERED = select(Delivery.event_id).where(Delivery.event_id == bindparam("event_id"))


class ProviderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_number(self, number: str, *, lock: bool = False) -> MachineryApplication | None:
        """The application an arriving event names (M9), whether it arrived before or not."""
        query = select(MachineryApplication).where(MachineryApplication.number == number)
        if lock:
            query = await lock_for_update(self.session, query)
        return await self.session.scalar(query)

    async def in_region(
        self, region: str, number: str, *, lock: bool = False
    ) -> MachineryApplication | None:
        """An application the provider of `region` has received (none before it arrived)."""
        query = select(MachineryApplication).where(
            MachineryApplication.region == region,
            MachineryApplication.number == number,
            MachineryApplication.received_at.is_not(None),
        )
        if lock:
            query = await lock_for_update(self.session, query)
        return await self.session.scalar(query)

    async def inbox(
        self,
        region: str,
        *,
        status: ApplicationStatus | None,
        overdue_at: datetime | None,
        limit: int,
    ) -> Sequence[MachineryApplication]:
        """The provider's applications, the soonest due first; `overdue_at`: only those still
        undecided (RECEIVED) and due before that instant."""
        query = select(MachineryApplication).where(
            MachineryApplication.region == region, MachineryApplication.received_at.is_not(None)
        )
        if status is not None:
            query = query.where(MachineryApplication.status == status)
        if overdue_at is not None:
            query = query.where(
                MachineryApplication.status == ApplicationStatus.RECEIVED,
                MachineryApplication.due_at < overdue_at,
            )
        query = query.order_by(MachineryApplication.due_at, MachineryApplication.number)
        return (await self.session.scalars(query.limit(limit))).all()

    async def overdue_by_region(self, now: datetime) -> dict[str, int]:
        """M14: undecided applications past their term, per region (for the metrics)."""
        rows = await self.session.execute(
            select(MachineryApplication.region, func.count())
            .where(
                MachineryApplication.status == ApplicationStatus.RECEIVED,
                MachineryApplication.due_at < now,
            )
            .group_by(MachineryApplication.region)
        )
        return {region: int(count) for region, count in rows.all()}

    async def delivered(self, event_id: str) -> bool:
        """Whether this very event was taken in before (its verdict is recorded)."""
        return await self.session.scalar(_DELIVERED, {"event_id": event_id}) is not None

    async def record_delivery(self, delivery: Delivery) -> bool:
        """False for an event already received (a redelivery)."""
        values = {
            "event_id": delivery.event_id,
            "application_number": delivery.application_number,
            "accepted": delivery.accepted,
            "reason": delivery.reason,
            "arrived_at": delivery.arrived_at,
        }
        return await self.session.scalar(_RECORD_DELIVERY(self.session), values) is not None
