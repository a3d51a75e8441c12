"""The HTTP surface of the issuance desk (V21–V22) under `/offices/{office}/pickups`: a
front-office worker's token of that office; the POST takes an optional `Idempotency-Key`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from frontoffice_service.access import OfficeWorker
from frontoffice_service.pickup import service as pickups
from frontoffice_service.pickup.models import PickupStatus
from frontoffice_service.pickup.repository import PickupRepository
from frontoffice_service.pickup.schemas import HandoverIn, HandoverRecord, PickupRecord, to_pickup
from frontoffice_service.queue.schemas import to_ticket
from frontoffice_service.routes import VISITOR, WORKER, Idempotent
from servicekit.app_state import BusClock
from servicekit.db import ReaderSession
from servicekit.gateway_client import Gateway
from servicekit.identifiers import Iin
from servicekit.outbox import AppOutbox

router = APIRouter(prefix="/offices/{office}/pickups", tags=["pick-up of documents (V20–V22)"])


@router.get("", summary="Documents at this office, ready or handed over, oldest first")
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


@router.post(
    "/hand-over",
    summary="Hand the СРТС and the plate over to their owner (V21 checks, V22)",
    description="The ticket must be this office's, called, a pick-up ticket of this ИИН; the "
    "ID is checked in ГБД ФЛ; the application must be ready here and be this person's "
    "(PICKUP_WRONG_APPLICATION, PICKUP_WRONG_PERSON, PICKUP_AT_OTHER_OFFICE). On success the "
    "pick-up is HANDED_OVER, the ticket SERVED, and `frontoffice.pickup.handed_over` is "
    "published. A second hand-over is 409 PICKUP_ALREADY_HANDED_OVER, or with the same "
    "`Idempotency-Key` the first answer again.",
    responses={
        **WORKER,
        **VISITOR,
        404: {"description": "TICKET_NOT_FOUND"},
        409: {"description": "TICKET_NOT_CALLED, PICKUP_ALREADY_HANDED_OVER"},
    },
)
async def hand_over(
    body: HandoverIn,
    worker: OfficeWorker,
    clock: BusClock,
    gateway: Gateway,
    outbox: AppOutbox,
    once: Idempotent,
) -> HandoverRecord:
    async def work() -> HandoverRecord:
        pickup, ticket = await pickups.hand_over(
            once.session,
            gateway=gateway,
            outbox=outbox,
            worker=worker,
            request=body,
            now=clock.now(),
        )
        return HandoverRecord(pickup=to_pickup(pickup), ticket=to_ticket(ticket))

    asked = {"office": worker.office.id, "body": body.model_dump(mode="json")}
    return await once.run(f"{worker.iin}:hand-over", asked, HandoverRecord, work)
