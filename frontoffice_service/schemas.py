"""The contract of ИИС ЦОН 2.0: what the desks send and get back, and the SMS inbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from frontoffice_service.models import (
    IdentificationKind,
    PickupStatus,
    TicketKind,
    TicketStatus,
)
from servicekit.identifiers import Iin

ApplicationNumber = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z\-/]+$")]
Phone = Annotated[str, Field(pattern=r"^\+7[0-9]{10}$", examples=["+77012345601"])]


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Identification(Contract):
    """How the visitor identified themselves: an identity card (its number is checked against
    the person's documents in ГБД ФЛ) or the ID shown in the «Цифровые документы» service
    (which vouches for the holder, so only the person is checked)."""

    kind: IdentificationKind
    number: str | None = Field(
        default=None,
        pattern=r"^[0-9]{9}$",
        validate_default=True,
        description="the identity card's number (nine digits); required with ID_CARD, "
        "not allowed with DIGITAL_DOCUMENT",
    )

    @field_validator("number")
    @classmethod
    def _number_goes_with_a_card(cls, number: str | None, info: ValidationInfo) -> str | None:
        if "kind" not in info.data:
            return number  # the kind itself is wrong: that is the error to report
        card = info.data["kind"] is IdentificationKind.ID_CARD
        if card and number is None:
            raise PydanticCustomError("FIELD_REQUIRED", "an identity card has a number")
        if not card and number is not None:
            raise PydanticCustomError("UNKNOWN_FIELD", "a digital document has no number here")
        return number


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


class OfficeRecord(Contract):
    id: str
    region_code: str
    name: str
    name_kk: str
    address: str


class SmsRecord(Contract):
    event_id: UUID
    phone: str
    text: str
    sender: str
    reference: str | None
    sent_at: datetime
    received_at: datetime


class SmsCleared(Contract):
    deleted: int
