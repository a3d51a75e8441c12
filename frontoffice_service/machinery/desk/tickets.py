"""The queue ticket the desk serves (M5): called, a submission ticket of this office, and
served once the desk is done with the visitor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.queue.models import QueueTicket, TicketKind, TicketStatus
from frontoffice_service.queue.repository import TicketRepository
from servicekit.errors import StepRefusal


async def called_submission_ticket(
    session: AsyncSession, office: str, ticket_id: str
) -> QueueTicket:
    tickets = TicketRepository(session)
    ticket = await tickets.get(office, ticket_id)
    if ticket is None:
        raise StepRefusal(
            "TICKET_NOT_FOUND", step="M5", status=404, field="ticketId", ticket_id=ticket_id
        )
    if ticket.kind is not TicketKind.SUBMISSION:
        raise StepRefusal("TICKET_NOT_SUBMISSION", step="M5", field="ticketId", ticket=ticket.code)
    if ticket.status is not TicketStatus.CALLED:
        raise StepRefusal(
            "TICKET_NOT_CALLED",
            step="M5",
            status=409,
            field="ticketId",
            ticket=ticket.code,
            ticket_status=ticket.status.value,
        )
    return ticket


async def visit_over(session: AsyncSession, app: MachineryApplication, now: datetime) -> None:
    """The visitor's ticket is served once the desk is done with them: the application sent,
    or refused there (a ticket the worker closed already stays as it is)."""
    await TicketRepository(session).finish(
        app.ticket_id, TicketStatus.SERVED, worker_iin=app.created_by, at=now
    )
