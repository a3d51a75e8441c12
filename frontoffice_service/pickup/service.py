"""Documents of the VIN registration at the ЦОН: they arrive ready (V19's
`registration.documents_ready`), the reception lets their owner queue for them (V20), and
the issuance desk checks the ticket, the ID and the application number (V21) and hands the
СРТС and the plate over (V22), telling the portal through the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import Worker
from frontoffice_service.identity import check_visitor
from frontoffice_service.pickup.models import Pickup, PickupStatus
from frontoffice_service.pickup.repository import PickupRepository
from frontoffice_service.pickup.schemas import HandoverIn
from frontoffice_service.queue.models import QueueTicket, TicketKind, TicketStatus
from frontoffice_service.queue.repository import TicketRepository
from servicekit.correlation import correlate
from servicekit.errors import StepRefusal
from servicekit.events import DocumentsReady, PickupHandedOver
from servicekit.gateway_client import GatewayClient
from servicekit.outbox import Outbox
from servicekit.service_centres import service_centre

log = structlog.get_logger(__name__)


RECEPTION = "V20"


ISSUANCE = "V21"


async def receive(session: AsyncSession, event: DocumentsReady, now: datetime) -> bool:
    """Keep the ready documents for their owner; False if this event or application was
    already received (a redelivery changes nothing)."""
    added = await PickupRepository(session).add_if_new(
        {
            "application_number": event.application_number,
            "application_id": None if event.application_id is None else str(event.application_id),
            "event_id": str(event.event_id),
            "office": event.centre_id,
            "owner_iin": event.owner_iin,
            "owner_name": event.owner_name,
            "vin": event.vin,
            "plate": event.plate,
            "certificate_number": event.certificate_number,
            "status": PickupStatus.READY,
            "ready_at": event.occurred_at,
            "received_at": now,
        }
    )
    log.info(
        "documents ready" if added else "documents already known",
        application=event.application_number,
        office=event.centre_id,
        event_id=str(event.event_id),
    )
    return added


async def waiting_for(session: AsyncSession, office: str, owner_iin: str) -> Sequence[Pickup]:
    """V20: the owner's documents still waiting, at any ЦОН, oldest first. From here on the
    reception's registry calls are made for the application whose documents wait at this
    office; a visitor with two waiting here is checked once for both, so for neither alone."""
    ready = await PickupRepository(session).ready_for(owner_iin)
    here = [pickup for pickup in ready if pickup.office == office]
    if len(here) == 1:
        _correlate(here[0])
    return ready


def admit_to_queue(ready: Sequence[Pickup], office: str) -> None:
    """V20: a pick-up ticket only for someone whose documents wait at this office (`ready`, of
    `waiting_for`); someone whose documents wait elsewhere is told where."""
    if any(pickup.office == office for pickup in ready):
        return
    if ready:
        raise _at_other_office(ready[0].office, RECEPTION)
    raise StepRefusal("PICKUP_NOT_READY", step=RECEPTION, field="visitorIin")


async def hand_over(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    outbox: Outbox,
    worker: Worker,
    request: HandoverIn,
    now: datetime,
) -> tuple[Pickup, QueueTicket]:
    """V21 checks, then V22: the pick-up HANDED_OVER, the ticket SERVED and
    `frontoffice.pickup.handed_over` staged, all in the request's transaction.

    The ID is checked in ГБД ФЛ before anything about the application is said, so someone
    with another's ИИН learns nothing of their documents.
    """
    office = worker.office.id
    tickets, pickups = TicketRepository(session), PickupRepository(session)
    ticket = await _called_pickup_ticket(tickets, office, request)
    number = request.application_number
    found = await pickups.get(number)
    if found is not None and found.owner_iin == request.visitor_iin:
        # Only the owner's check is part of the application's conversation, not a stranger's
        # who names it; nothing of it is said to the visitor before the ID check.
        _correlate(found)
    await check_visitor(gateway, request.visitor_iin, request.identification, step=ISSUANCE)

    pickup = _ready_here(found, office, request)
    handed = await pickups.hand_over(number, worker_iin=worker.iin, ticket_id=ticket.id, at=now)
    if not handed:
        raise StepRefusal(
            "PICKUP_ALREADY_HANDED_OVER",
            step=ISSUANCE,
            status=409,
            field="applicationNumber",
            application_number=number,
        )
    if not await tickets.finish(ticket.id, TicketStatus.SERVED, worker_iin=worker.iin, at=now):
        # Another window closed the ticket meanwhile: the transaction rolls the hand-over back.
        raise _not_called(await tickets.get(office, ticket.id) or ticket)
    await outbox.stage(
        session,
        PickupHandedOver(
            occurred_at=now,
            application_number=number,
            centre_id=office,
            owner_iin=pickup.owner_iin,
            certificate_number=pickup.certificate_number,
            plate=pickup.plate,
            worker_iin=worker.iin,
        ),
    )
    log.info("documents handed over", application=number, office=office)
    handed_pickup, served_ticket = await pickups.get(number), await tickets.get(office, ticket.id)
    assert handed_pickup is not None
    assert served_ticket is not None
    return handed_pickup, served_ticket


def _correlate(pickup: Pickup) -> None:
    """The registry calls from here on are made for the pick-up's application, if the event
    that brought it named the application (one published before `applicationId` did not)."""
    if pickup.application_id is not None:
        correlate(pickup.application_id)


def _ready_here(pickup: Pickup | None, office: str, request: HandoverIn) -> Pickup:
    """V21: the application is the visitor's, and its documents are at this office."""
    number = request.application_number
    if pickup is None:
        raise StepRefusal(
            "PICKUP_WRONG_APPLICATION",
            step=ISSUANCE,
            field="applicationNumber",
            application_number=number,
        )
    if pickup.owner_iin != request.visitor_iin:
        raise StepRefusal(
            "PICKUP_WRONG_PERSON", step=ISSUANCE, field="visitorIin", application_number=number
        )
    if pickup.office != office:
        raise _at_other_office(pickup.office, ISSUANCE)
    return pickup


async def _called_pickup_ticket(
    tickets: TicketRepository, office: str, request: HandoverIn
) -> QueueTicket:
    ticket = await tickets.get(office, str(request.ticket_id))
    if ticket is None:
        raise StepRefusal(
            "TICKET_NOT_FOUND",
            step=ISSUANCE,
            status=404,
            field="ticketId",
            ticket_id=str(request.ticket_id),
        )
    if ticket.kind is not TicketKind.VIN_PICKUP:
        raise StepRefusal("TICKET_WRONG_KIND", step=ISSUANCE, field="ticketId", ticket=ticket.code)
    if ticket.status is not TicketStatus.CALLED:
        raise _not_called(ticket)
    if ticket.visitor_iin != request.visitor_iin:
        raise StepRefusal(
            "TICKET_WRONG_PERSON", step=ISSUANCE, field="visitorIin", ticket=ticket.code
        )
    return ticket


def _not_called(ticket: QueueTicket) -> StepRefusal:
    return StepRefusal(
        "TICKET_NOT_CALLED",
        step=ISSUANCE,
        status=409,
        field="ticketId",
        ticket=ticket.code,
        ticket_status=ticket.status.value,
    )


def _at_other_office(office: str, step: str) -> StepRefusal:
    centre = service_centre(office)
    return StepRefusal(
        "PICKUP_AT_OTHER_OFFICE",
        step=step,
        field="office",
        extra={"office": office},
        office_name=centre.name if centre else office,
        office_name_kk=centre.name_kk if centre else office,
        address=centre.address if centre else "",
    )
