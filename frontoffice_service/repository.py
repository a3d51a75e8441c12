"""All SQL of ИИС ЦОН 2.0.

Every change of a ticket's or a pick-up's state is one conditional UPDATE (`… WHERE status =
'CALLED'`) whose row count says whether this request won: the database decides between two
workers pressing the button at once, never a read followed by a write in Python. Events from
the bus are inserted with ON CONFLICT DO NOTHING on their unique keys, so a repeated delivery
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Update, bindparam, delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.models import (
    Pickup,
    PickupStatus,
    QueueTicket,
    SmsMessage,
    TicketCounter,
    TicketKind,
    TicketStatus,
)
from servicekit.db import PerDialect, insert_new

_ADD_PICKUP = insert_new(Pickup, Pickup.application_number)
# Re-read even when the session holds the row: a conditional UPDATE may just have changed it.
_PICKUP = (
    select(Pickup)
    .where(Pickup.application_number == bindparam("number"))
    .execution_options(populate_existing=True)
)
_TICKET = (
    select(QueueTicket)
    .where(QueueTicket.id == bindparam("ticket_id"))
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
_NEXT_TICKET_NUMBER = PerDialect(
    lambda insert: (
        insert(TicketCounter)
        .on_conflict_do_update(
            index_elements=[TicketCounter.office, TicketCounter.service_day, TicketCounter.kind],
            set_={"last_number": TicketCounter.last_number + 1},
        )
        .returning(TicketCounter.last_number)
    )
)


def _ticket_leaving(status: TicketStatus) -> Update:
    """An UPDATE of one ticket that holds only while it is in `status`: its row count says
    whether this request won."""
    return (
        update(QueueTicket)
        .where(QueueTicket.id == bindparam("ticket_id"), QueueTicket.status == status)
        .execution_options(synchronize_session=False)
    )


_CALL = _ticket_leaving(TicketStatus.WAITING).values(
    status=TicketStatus.CALLED,
    window_number=bindparam("window"),
    called_at=bindparam("at"),
    called_by=bindparam("worker_iin"),
)
_FINISH = _ticket_leaving(TicketStatus.CALLED).values(
    status=bindparam("new_status"), finished_at=bindparam("at"), finished_by=bindparam("worker_iin")
)
_ADD_SMS = insert_new(SmsMessage, SmsMessage.id)


def _changed(result: Any) -> bool:
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


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
        return _changed(result)


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self, office: str, day: date, kind: TicketKind) -> int:
        """The next number of the office's queue for this day and kind, 1 for the first.

        One upsert: on PostgreSQL the second of two concurrent calls waits for the first's row
        lock and then counts on from its number.
        """
        number = await self.session.scalar(
            _NEXT_TICKET_NUMBER(self.session),
            {"office": office, "service_day": day, "kind": kind, "last_number": 1},
        )
        assert number is not None
        return int(number)

    async def add(self, ticket: QueueTicket) -> None:
        self.session.add(ticket)
        await self.session.flush()

    async def get(self, office: str, ticket_id: str) -> QueueTicket | None:
        """The ticket, if it is one of this office's."""
        ticket = await self.session.scalar(_TICKET, {"ticket_id": ticket_id})
        return ticket if ticket is not None and ticket.office == office else None

    async def of_day(
        self,
        office: str,
        day: date,
        *,
        kind: TicketKind | None,
        status: TicketStatus | None,
    ) -> Sequence[QueueTicket]:
        query = select(QueueTicket).where(
            QueueTicket.office == office, QueueTicket.service_day == day
        )
        if kind is not None:
            query = query.where(QueueTicket.kind == kind)
        if status is not None:
            query = query.where(QueueTicket.status == status)
        query = query.order_by(QueueTicket.issued_at, QueueTicket.kind, QueueTicket.number)
        return (await self.session.scalars(query)).all()

    async def first_waiting(self, office: str, day: date, kind: TicketKind | None) -> str | None:
        """The id of the ticket that has waited longest this day."""
        query = select(QueueTicket.id).where(
            QueueTicket.office == office,
            QueueTicket.service_day == day,
            QueueTicket.status == TicketStatus.WAITING,
        )
        if kind is not None:
            query = query.where(QueueTicket.kind == kind)
        query = query.order_by(QueueTicket.issued_at, QueueTicket.kind, QueueTicket.number)
        return await self.session.scalar(query.limit(1))

    async def call(self, ticket_id: str, *, window: int, worker_iin: str, at: datetime) -> bool:
        """WAITING → CALLED to `window`; False if another worker called it first."""
        result = await self.session.execute(
            _CALL, {"ticket_id": ticket_id, "window": window, "at": at, "worker_iin": worker_iin}
        )
        return _changed(result)

    async def finish(
        self, ticket_id: str, status: TicketStatus, *, worker_iin: str, at: datetime
    ) -> bool:
        """CALLED → SERVED or NO_SHOW; False if the ticket is not called (any more)."""
        result = await self.session.execute(
            _FINISH,
            {"ticket_id": ticket_id, "new_status": status, "at": at, "worker_iin": worker_iin},
        )
        return _changed(result)


class SmsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_new(self, values: dict[str, Any]) -> bool:
        """Store a text; False if its event id is known."""
        return await self.session.scalar(_ADD_SMS(self.session), values) is not None

    async def inbox(self, phone: str | None, limit: int) -> Sequence[SmsMessage]:
        """Texts of a phone (or of every phone), newest first."""
        query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
        if phone is not None:
            query = query.where(SmsMessage.phone == phone)
        return (await self.session.scalars(query)).all()

    async def clear(self, phone: str | None) -> int:
        statement = delete(SmsMessage)
        if phone is not None:
            statement = statement.where(SmsMessage.phone == phone)
        result = await self.session.execute(statement)
        assert isinstance(result, CursorResult)
        return result.rowcount
