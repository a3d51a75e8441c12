"""The contract of the electronic queue: the tickets."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from frontoffice_service.models import IdentificationKind
from frontoffice_service.queue.models import QueueTicket, TicketKind, TicketStatus
from frontoffice_service.schemas import Contract, Identification
from servicekit.identifiers import Iin


class TicketIn(Contract):
    """A ticket of the electronic queue. A pick-up ticket (V20) needs the visitor's ИИН and
    identification, and a pick-up ready for them at this office; a submission ticket (M5)
    needs nothing, the desk identifies the applicant (M6.1)."""

    kind: TicketKind
    visitor_iin: Iin | None = None
    identification: Identification | None = None


class CallIn(Contract):
    window: int = Field(ge=1, le=99, description="the window the visitor is called to")


class CallNextIn(CallIn):
    kind: TicketKind | None = Field(
        default=None, description="call only tickets of this kind (the desk's sector)"
    )


class TicketRecord(Contract):
    id: UUID
    office: str
    service_day: date = Field(description="the day in Asia/Almaty time; numbers restart daily")
    kind: TicketKind
    number: int
    code: str = Field(description="what the ticket and the hall's screen show: P-001, S-014")
    status: TicketStatus
    window: int | None
    visitor_iin: str | None
    identification: IdentificationKind | None
    issued_at: datetime
    called_at: datetime | None
    finished_at: datetime | None


def to_ticket(ticket: QueueTicket) -> TicketRecord:
    return TicketRecord(
        id=UUID(ticket.id),
        office=ticket.office,
        service_day=ticket.service_day,
        kind=ticket.kind,
        number=ticket.number,
        code=ticket.code,
        status=ticket.status,
        window=ticket.window_number,
        visitor_iin=ticket.visitor_iin,
        identification=ticket.identification,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        finished_at=ticket.finished_at,
    )
