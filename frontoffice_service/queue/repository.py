"""All SQL of the electronic queue.

Every change of a ticket's state is one conditional UPDATE (`… WHERE status = 'CALLED'`) whose
row count says whether this request won: the database decides between two workers pressing the
button at once, never a read followed by a write in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Update, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.queue.models import QueueTicket, TicketCounter, TicketKind, TicketStatus
from servicekit.db import PerDialect, one_row_changed

_TICKET = (
    select(QueueTicket)
    .where(QueueTicket.id == bindparam("ticket_id"))
    .execution_options(populate_existing=True)
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
        return one_row_changed(result)

    async def finish(
        self, ticket_id: str, status: TicketStatus, *, worker_iin: str, at: datetime
    ) -> bool:
        """CALLED → SERVED or NO_SHOW; False if the ticket is not called (any more)."""
        result = await self.session.execute(
            _FINISH,
            {"ticket_id": ticket_id, "new_status": status, "at": at, "worker_iin": worker_iin},
        )
        return one_row_changed(result)
