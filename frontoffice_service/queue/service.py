"""The electronic queue of a ЦОН (V20, M5): tickets numbered per office, day (Asia/Almaty, by
the bus clock) and kind — P-001… for a pick-up, S-001… for a submission — called to a window
in the order they were issued, then served or marked as a no-show.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import Worker
from frontoffice_service.identity import check_visitor
from frontoffice_service.pickup import service as pickups
from frontoffice_service.queue.models import QueueTicket, TicketKind, TicketStatus
from frontoffice_service.queue.repository import TicketRepository
from frontoffice_service.queue.schemas import TicketIn
from servicekit.errors import Conflict, NotFound, Problem, StepRefusal
from servicekit.gateway_client import GatewayClient

_CALL_ATTEMPTS = 5
"""How often call-next moves on to the next ticket when other windows take the ones it chose."""


async def issue(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    worker: Worker,
    request: TicketIn,
    now: datetime,
    today: date,
) -> QueueTicket:
    """A new WAITING ticket; for a pick-up, only after the V20 reception checks."""
    office = worker.office.id
    if request.kind is TicketKind.VIN_PICKUP:
        if request.visitor_iin is None:
            raise Problem("FIELD_REQUIRED", status=422, field="visitorIin")
        if request.identification is None:
            raise Problem("FIELD_REQUIRED", status=422, field="identification")
        ready = await pickups.waiting_for(session, office, request.visitor_iin)
        await check_visitor(
            gateway, request.visitor_iin, request.identification, step=pickups.RECEPTION
        )
        pickups.admit_to_queue(ready, office)
    identification = request.identification
    tickets = TicketRepository(session)
    ticket = QueueTicket(
        id=str(uuid.uuid4()),
        office=office,
        service_day=today,
        kind=request.kind,
        number=await tickets.next_number(office, today, request.kind),
        visitor_iin=request.visitor_iin,
        identification=identification.kind if identification else None,
        id_card_number=identification.number if identification else None,
        status=TicketStatus.WAITING,
        issued_at=now,
        issued_by=worker.iin,
    )
    await tickets.add(ticket)
    return ticket


async def call_next(
    session: AsyncSession,
    *,
    worker: Worker,
    window: int,
    kind: TicketKind | None,
    now: datetime,
    today: date,
) -> QueueTicket:
    """Call the ticket of this day that has waited longest (of `kind`, if given) to `window`."""
    office = worker.office.id
    tickets = TicketRepository(session)
    for _ in range(_CALL_ATTEMPTS):
        ticket_id = await tickets.first_waiting(office, today, kind)
        if ticket_id is None:
            break
        if await tickets.call(ticket_id, window=window, worker_iin=worker.iin, at=now):
            return await _existing(tickets, office, ticket_id)
    raise Conflict("QUEUE_EMPTY")


async def call(
    session: AsyncSession, *, worker: Worker, ticket_id: str, window: int, now: datetime
) -> QueueTicket:
    """Call one waiting ticket out of turn: the visitor is at the desk already, or the
    worker recalls a ticket the display skipped."""
    tickets = TicketRepository(session)
    ticket = await _existing(tickets, worker.office.id, ticket_id)
    if not await tickets.call(ticket.id, window=window, worker_iin=worker.iin, at=now):
        raise StepRefusal(
            "TICKET_NOT_WAITING",
            step=ticket.kind.step,
            status=409,
            field="ticketId",
            ticket=ticket.code,
            ticket_status=ticket.status.value,
        )
    return await _existing(tickets, worker.office.id, ticket_id)


async def finish(
    session: AsyncSession,
    *,
    worker: Worker,
    ticket_id: str,
    outcome: TicketStatus,
    now: datetime,
) -> QueueTicket:
    """A called ticket SERVED or NO_SHOW."""
    office = worker.office.id
    tickets = TicketRepository(session)
    ticket = await _existing(tickets, office, ticket_id)
    if not await tickets.finish(ticket.id, outcome, worker_iin=worker.iin, at=now):
        raise StepRefusal(
            "TICKET_NOT_CALLED",
            step=ticket.kind.step,
            status=409,
            field="ticketId",
            ticket=ticket.code,
            ticket_status=ticket.status.value,
        )
    return await _existing(tickets, office, ticket_id)


async def _existing(tickets: TicketRepository, office: str, ticket_id: str) -> QueueTicket:
    ticket = await tickets.get(office, ticket_id)
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", field="ticketId", ticket_id=ticket_id)
    return ticket
