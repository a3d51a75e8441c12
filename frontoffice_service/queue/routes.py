"""The HTTP surface of the electronic queue (V20, M5) under `/offices/{office}/queue`: a
front-office worker's token of that office; every POST takes an optional `Idempotency-Key`."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from frontoffice_service.access import OfficeWorker
from frontoffice_service.queue import service as electronic_queue
from frontoffice_service.queue.models import TicketKind, TicketStatus
from frontoffice_service.queue.repository import TicketRepository
from frontoffice_service.queue.schemas import CallIn, CallNextIn, TicketIn, TicketRecord, to_ticket
from frontoffice_service.routes import VISITOR, WORKER, Idempotent, Responses
from servicekit.app_state import BusClock
from servicekit.clock import ALMATY
from servicekit.db import ReaderSession
from servicekit.gateway_client import Gateway

TicketId = Annotated[UUID, PathParam(alias="ticketId", description="the ticket's `id`")]


router = APIRouter(prefix="/offices/{office}/queue", tags=["electronic queue (V20, M5)"])


@router.post(
    "/tickets",
    status_code=201,
    summary="Issue a ticket: a pick-up (V20) after the reception's checks, or a submission (M5)",
    description="A `VIN_PICKUP` ticket needs `visitorIin` and `identification`: the visitor "
    "must be alive in ГБД ФЛ, an identity card must be a valid document of theirs, and "
    "documents must be ready for them at this office (PICKUP_NOT_READY; "
    "PICKUP_AT_OTHER_OFFICE names the office where they are). Numbers restart every day "
    "(Asia/Almaty) per office and kind: P-001… for pick-ups, S-001… for submissions.",
    responses={**WORKER, **VISITOR},
)
async def issue_ticket(
    body: TicketIn,
    worker: OfficeWorker,
    clock: BusClock,
    gateway: Gateway,
    once: Idempotent,
) -> TicketRecord:
    now = clock.now()

    async def work() -> TicketRecord:
        ticket = await electronic_queue.issue(
            once.session,
            gateway=gateway,
            worker=worker,
            request=body,
            now=now,
            today=now.astimezone(ALMATY).date(),
        )
        return to_ticket(ticket)

    asked = {"office": worker.office.id, "body": body.model_dump(mode="json")}
    return await once.run(f"{worker.iin}:issue-ticket", asked, TicketRecord, work)


@router.get("", summary="The office's tickets of a day (today by default), in issue order")
async def list_queue(
    worker: OfficeWorker,
    clock: BusClock,
    session: ReaderSession,
    day: Annotated[date | None, Query(description="a day in Asia/Almaty time")] = None,
    kind: TicketKind | None = None,
    status: TicketStatus | None = None,
) -> list[TicketRecord]:
    tickets = await TicketRepository(session).of_day(
        worker.office.id, day or clock.today(), kind=kind, status=status
    )
    return [to_ticket(t) for t in tickets]


@router.post(
    "/call-next",
    summary="Call the ticket that has waited longest today to a window",
    responses={**WORKER, 409: {"description": "QUEUE_EMPTY: nobody is waiting"}},
)
async def call_next(
    body: CallNextIn, worker: OfficeWorker, clock: BusClock, once: Idempotent
) -> TicketRecord:
    now = clock.now()

    async def work() -> TicketRecord:
        ticket = await electronic_queue.call_next(
            once.session,
            worker=worker,
            window=body.window,
            kind=body.kind,
            now=now,
            today=now.astimezone(ALMATY).date(),
        )
        return to_ticket(ticket)

    asked = {"office": worker.office.id, "body": body.model_dump(mode="json")}
    return await once.run(f"{worker.iin}:call-next", asked, TicketRecord, work)


@router.post(
    "/tickets/{ticketId}/call",
    summary="Call one waiting ticket to a window, out of turn",
    responses={
        **WORKER,
        404: {"description": "TICKET_NOT_FOUND"},
        409: {"description": "TICKET_NOT_WAITING"},
    },
)
async def call_ticket(
    ticket_id: TicketId, body: CallIn, worker: OfficeWorker, clock: BusClock, once: Idempotent
) -> TicketRecord:
    async def work() -> TicketRecord:
        ticket = await electronic_queue.call(
            once.session,
            worker=worker,
            ticket_id=str(ticket_id),
            window=body.window,
            now=clock.now(),
        )
        return to_ticket(ticket)

    asked = {
        "office": worker.office.id,
        "ticketId": str(ticket_id),
        "body": body.model_dump(mode="json"),
    }
    return await once.run(f"{worker.iin}:call-ticket", asked, TicketRecord, work)


async def _finish(
    outcome: TicketStatus, ticket_id: UUID, worker: OfficeWorker, clock: BusClock, once: Idempotent
) -> TicketRecord:
    async def work() -> TicketRecord:
        ticket = await electronic_queue.finish(
            once.session, worker=worker, ticket_id=str(ticket_id), outcome=outcome, now=clock.now()
        )
        return to_ticket(ticket)

    asked = {"office": worker.office.id, "ticketId": str(ticket_id), "outcome": outcome.value}
    return await once.run(f"{worker.iin}:finish-ticket", asked, TicketRecord, work)


_FINISH: Responses = {
    **WORKER,
    404: {"description": "TICKET_NOT_FOUND"},
    409: {"description": "TICKET_NOT_CALLED"},
}


@router.post(
    "/tickets/{ticketId}/served", summary="The called visitor was served", responses=_FINISH
)
async def mark_served(
    ticket_id: TicketId, worker: OfficeWorker, clock: BusClock, once: Idempotent
) -> TicketRecord:
    return await _finish(TicketStatus.SERVED, ticket_id, worker, clock, once)


@router.post(
    "/tickets/{ticketId}/no-show", summary="The called visitor did not come", responses=_FINISH
)
async def mark_no_show(
    ticket_id: TicketId, worker: OfficeWorker, clock: BusClock, once: Idempotent
) -> TicketRecord:
    return await _finish(TicketStatus.NO_SHOW, ticket_id, worker, clock, once)
