"""The contract of the issuance desk (V21–V22)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from frontoffice_service.pickup.models import Pickup, PickupStatus
from frontoffice_service.queue.schemas import TicketRecord
from frontoffice_service.schemas import ApplicationNumber, Contract, Identification
from servicekit.identifiers import Iin


class HandoverIn(Contract):
    """V21: the called ticket, the visitor's ID and the portal application number."""

    ticket_id: UUID
    application_number: ApplicationNumber
    visitor_iin: Iin
    identification: Identification


class PickupRecord(Contract):
    application_number: str
    office: str
    owner_iin: str
    owner_name: str
    vin: str
    plate: str
    certificate_number: str = Field(description="the СРТС number")
    status: PickupStatus
    ready_at: datetime
    handed_over_at: datetime | None
    handed_over_by: str | None = Field(description="the issuance worker's ИИН")


class HandoverRecord(Contract):
    """V22: what was handed out, and the ticket it closed."""

    pickup: PickupRecord
    ticket: TicketRecord


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
