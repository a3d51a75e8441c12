"""The HTTP surface of ИИС ЦОН 2.0: the offices, the electronic queue (V20, M5), the issuance
desk (V21–V22), the SMS centre's inbox and its admin API.

Desk endpoints live under `/offices/{office}` and take a front-office worker's token of that
office; every POST there takes an optional `Idempotency-Key`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel

from frontoffice_service import electronic_queue, pickups
from frontoffice_service.access import OfficeWorker
from frontoffice_service.models import (
    Pickup,
    PickupStatus,
    QueueTicket,
    SmsMessage,
    TicketKind,
    TicketStatus,
)
from frontoffice_service.repository import PickupRepository, SmsRepository, TicketRepository
from frontoffice_service.schemas import (
    CallIn,
    CallNextIn,
    HandoverIn,
    HandoverRecord,
    OfficeRecord,
    Phone,
    PickupRecord,
    SmsCleared,
    SmsRecord,
    TicketIn,
    TicketRecord,
)
from servicekit.admin import AdminOnly
from servicekit.clock import ALMATY
from servicekit.db import DbSession, ReaderSession
from servicekit.idempotency import Idempotency, IdempotencyKey
from servicekit.identifiers import Iin
from servicekit.service_centres import SERVICE_CENTRES

M = TypeVar("M", bound=BaseModel)

TicketId = Annotated[UUID, PathParam(alias="ticketId", description="the ticket's `id`")]

Responses = dict[int | str, dict[str, Any]]

_WORKER: Responses = {
    403: {"description": "FRONTOFFICE_WORKER_REQUIRED; OFFICE_FORBIDDEN: not this office's"},
}
_VISITOR: Responses = {
    422: {
        "description": "a motivated refusal naming its `step`: VISITOR_NOT_FOUND, "
        "VISITOR_DECEASED, VISITOR_IIN_INVALIDATED, VISITOR_ID_CARD_MISMATCH (ГБД ФЛ), and "
        "the step's own codes"
    },
    503: {"description": "VISITOR_CHECK_UNAVAILABLE: ГБД ФЛ cannot be reached, try again"},
}


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


def to_pickup(pickup: Pickup) -> PickupRecord:
    return PickupRecord(
        application_number=pickup.application_number,
        office=pickup.office,
        owner_iin=pickup.owner_iin,
        owner_name=pickup.owner_name,
        vin=pickup.vin,
        plate=pickup.plate,
        certificate_number=pickup.certificate_number,
        status=pickup.status,
        ready_at=pickup.ready_at,
        handed_over_at=pickup.handed_over_at,
        handed_over_by=pickup.handed_over_by,
    )


def to_sms(message: SmsMessage) -> SmsRecord:
    return SmsRecord(
        event_id=UUID(message.event_id),
        phone=message.phone,
        text=message.body,
        sender=message.sender,
        reference=message.reference,
        sent_at=message.sent_at,
        received_at=message.received_at,
    )


async def once(
    request: Request,
    session: DbSession,
    *,
    key: str | None,
    scope: str,
    asked: object,
    model: type[M],
    work: Callable[[], Awaitable[M]],
) -> M:
    """`work`'s answer, or with an `Idempotency-Key` seen before in `scope` for the same
    request, the answer it gave then (every desk's POST goes through here)."""
    idempotency: Idempotency = request.app.state.idempotency
    return await idempotency.run(
        session, key=key, scope=scope, request=asked, model=model, work=work
    )


# --- the offices ------------------------------------------------------------------------------

offices = APIRouter(tags=["offices"])


@offices.get("/offices", summary="The ЦОН offices of the pilot regions")
async def list_offices() -> list[OfficeRecord]:
    return [
        OfficeRecord(
            id=c.id, region_code=c.region_code, name=c.name, name_kk=c.name_kk, address=c.address
        )
        for c in SERVICE_CENTRES
    ]


# --- the electronic queue (V20, M5) -------------------------------------------------------------

queue = APIRouter(prefix="/offices/{office}/queue", tags=["electronic queue (V20, M5)"])


@queue.post(
    "/tickets",
    status_code=201,
    summary="Issue a ticket: a pick-up (V20) after the reception's checks, or a submission (M5)",
    description="A `VIN_PICKUP` ticket needs `visitorIin` and `identification`: the visitor "
    "must be alive in ГБД ФЛ, an identity card must be a valid document of theirs, and "
    "documents must be ready for them at this office (PICKUP_NOT_READY; "
    "PICKUP_AT_OTHER_OFFICE names the office where they are). Numbers restart every day "
    "(Asia/Almaty) per office and kind: P-001… for pick-ups, S-001… for submissions.",
    responses={**_WORKER, **_VISITOR},
)
async def issue_ticket(
    body: TicketIn,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> TicketRecord:
    now = request.app.state.clock.now()

    async def work() -> TicketRecord:
        ticket = await electronic_queue.issue(
            session,
            gateway=request.app.state.gateway,
            worker=worker,
            request=body,
            now=now,
            today=now.astimezone(ALMATY).date(),
        )
        return to_ticket(ticket)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:issue-ticket",
        asked={"office": worker.office.id, "body": body.model_dump(mode="json")},
        model=TicketRecord,
        work=work,
    )


@queue.get("", summary="The office's tickets of a day (today by default), in issue order")
async def list_queue(
    worker: OfficeWorker,
    request: Request,
    session: ReaderSession,
    day: Annotated[date | None, Query(description="a day in Asia/Almaty time")] = None,
    kind: TicketKind | None = None,
    status: TicketStatus | None = None,
) -> list[TicketRecord]:
    tickets = await TicketRepository(session).of_day(
        worker.office.id, day or request.app.state.clock.today(), kind=kind, status=status
    )
    return [to_ticket(t) for t in tickets]


@queue.post(
    "/call-next",
    summary="Call the ticket that has waited longest today to a window",
    responses={**_WORKER, 409: {"description": "QUEUE_EMPTY: nobody is waiting"}},
)
async def call_next(
    body: CallNextIn,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> TicketRecord:
    now = request.app.state.clock.now()

    async def work() -> TicketRecord:
        ticket = await electronic_queue.call_next(
            session,
            worker=worker,
            window=body.window,
            kind=body.kind,
            now=now,
            today=now.astimezone(ALMATY).date(),
        )
        return to_ticket(ticket)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:call-next",
        asked={"office": worker.office.id, "body": body.model_dump(mode="json")},
        model=TicketRecord,
        work=work,
    )


@queue.post(
    "/tickets/{ticketId}/call",
    summary="Call one waiting ticket to a window, out of turn",
    responses={
        **_WORKER,
        404: {"description": "TICKET_NOT_FOUND"},
        409: {"description": "TICKET_NOT_WAITING"},
    },
)
async def call_ticket(
    ticket_id: TicketId,
    body: CallIn,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> TicketRecord:
    async def work() -> TicketRecord:
        ticket = await electronic_queue.call(
            session,
            worker=worker,
            ticket_id=str(ticket_id),
            window=body.window,
            now=request.app.state.clock.now(),
        )
        return to_ticket(ticket)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:call-ticket",
        asked={
            "office": worker.office.id,
            "ticketId": str(ticket_id),
            "body": body.model_dump(mode="json"),
        },
        model=TicketRecord,
        work=work,
    )


async def _finish(
    outcome: TicketStatus,
    ticket_id: UUID,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: str | None,
) -> TicketRecord:
    async def work() -> TicketRecord:
        ticket = await electronic_queue.finish(
            session,
            worker=worker,
            ticket_id=str(ticket_id),
            outcome=outcome,
            now=request.app.state.clock.now(),
        )
        return to_ticket(ticket)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:finish-ticket",
        asked={"office": worker.office.id, "ticketId": str(ticket_id), "outcome": outcome.value},
        model=TicketRecord,
        work=work,
    )


_FINISH: Responses = {
    **_WORKER,
    404: {"description": "TICKET_NOT_FOUND"},
    409: {"description": "TICKET_NOT_CALLED"},
}


@queue.post(
    "/tickets/{ticketId}/served", summary="The called visitor was served", responses=_FINISH
)
async def mark_served(
    ticket_id: TicketId,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> TicketRecord:
    return await _finish(TicketStatus.SERVED, ticket_id, worker, request, session, idempotency_key)


@queue.post(
    "/tickets/{ticketId}/no-show", summary="The called visitor did not come", responses=_FINISH
)
async def mark_no_show(
    ticket_id: TicketId,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> TicketRecord:
    return await _finish(TicketStatus.NO_SHOW, ticket_id, worker, request, session, idempotency_key)


# --- the issuance desk (V21–V22) ------------------------------------------------------------

desk = APIRouter(prefix="/offices/{office}/pickups", tags=["pick-up of documents (V20–V22)"])


@desk.get("", summary="Documents at this office, ready or handed over, oldest first")
async def list_pickups(
    worker: OfficeWorker,
    session: ReaderSession,
    owner_iin: Annotated[Iin | None, Query(alias="ownerIin")] = None,
    status: PickupStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PickupRecord]:
    found = await PickupRepository(session).at_office(
        worker.office.id, owner_iin=owner_iin, status=status, limit=limit
    )
    return [to_pickup(p) for p in found]


@desk.post(
    "/hand-over",
    summary="Hand the СРТС and the plate over to their owner (V21 checks, V22)",
    description="The ticket must be this office's, called, a pick-up ticket of this ИИН; the "
    "ID is checked in ГБД ФЛ; the application must be ready here and be this person's "
    "(PICKUP_WRONG_APPLICATION, PICKUP_WRONG_PERSON, PICKUP_AT_OTHER_OFFICE). On success the "
    "pick-up is HANDED_OVER, the ticket SERVED, and `frontoffice.pickup.handed_over` is "
    "published. A second hand-over is 409 PICKUP_ALREADY_HANDED_OVER, or with the same "
    "`Idempotency-Key` the first answer again.",
    responses={
        **_WORKER,
        **_VISITOR,
        404: {"description": "TICKET_NOT_FOUND"},
        409: {"description": "TICKET_NOT_CALLED, PICKUP_ALREADY_HANDED_OVER"},
    },
)
async def hand_over(
    body: HandoverIn,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> HandoverRecord:
    state = request.app.state

    async def work() -> HandoverRecord:
        pickup, ticket = await pickups.hand_over(
            session,
            gateway=state.gateway,
            outbox=state.outbox,
            worker=worker,
            request=body,
            now=state.clock.now(),
        )
        return HandoverRecord(pickup=to_pickup(pickup), ticket=to_ticket(ticket))

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:hand-over",
        asked={"office": worker.office.id, "body": body.model_dump(mode="json")},
        model=HandoverRecord,
        work=work,
    )


# --- the SMS centre -------------------------------------------------------------------------

sms = APIRouter(prefix="/sms", tags=["SMS centre"])


@sms.get(
    "/messages",
    summary="Texts sent to phones, newest first (a testers' inbox: no token)",
    description="`phone` in international form; in a query string the `+` is `%2B`.",
)
async def list_sms(
    session: ReaderSession,
    phone: Annotated[Phone | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SmsRecord]:
    return [to_sms(m) for m in await SmsRepository(session).inbox(phone, limit)]


admin = APIRouter(prefix="/admin", tags=["admin: SMS centre"])


@admin.delete("/sms/messages", summary="Empty the SMS inbox (of one phone, or of all)")
async def clear_sms(
    _: AdminOnly, session: DbSession, phone: Annotated[Phone | None, Query()] = None
) -> SmsCleared:
    return SmsCleared(deleted=await SmsRepository(session).clear(phone))
