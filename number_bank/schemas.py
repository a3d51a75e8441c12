"""The contract of БМГ: request data and answers of its operations, and its admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from number_bank.models import EventAction, PlateStatus
from number_bank.plates import DemandCategory, Plate, PlateKind, RegionCode
from servicekit.identifiers import Bin, Iin, Vin
from servicekit.plates import normalise

MAX_HOLD_MINUTES = 30 * 24 * 60
DEFAULT_HOLD_MINUTES = 24 * 60


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


IdempotencyKeyText = Annotated[str, Field(min_length=1, max_length=100)]
MachineId = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    Field(min_length=1, max_length=30, pattern=r"^[0-9A-Z][0-9A-Z.\-/]*$"),
]
"""The machine's factory (serial) number, as the technical passport gives it (M12)."""
Pattern = Annotated[
    str,
    BeforeValidator(lambda v: normalise(v) if isinstance(v, str) else v),
    Field(min_length=1, max_length=12, pattern=r"^[0-9A-Z* ]+$"),
]


# --- requests --------------------------------------------------------------------------------


class ReservedNumberRequest(Contract):
    """`BMG_ReservedNumber` (V16): the number registered (reserved) for a person."""

    iin: Iin


class FreeNumbersRequest(Contract):
    """`BMG_FreeNumbers` (V15/V16): free ordinary plates of a region, in plate order."""

    region_code: RegionCode
    kind: PlateKind
    limit: int = Field(20, ge=1, le=100)
    after: Plate | None = None
    """The last plate of the previous page (`nextAfter` of its answer)."""
    pattern: Pattern | None = None
    """Characters the plate must contain, `*` for any run of characters: `77`, `7*KZ`."""


class ReserveRequest(Contract):
    """`BMG_Reserve` (V16): reserve a free ordinary plate for a person."""

    plate: Plate
    iin: Iin
    idempotency_key: IdempotencyKeyText
    hold_minutes: int = Field(DEFAULT_HOLD_MINUTES, ge=1, le=MAX_HOLD_MINUTES)
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="what the reservation is for (the portal sends the application's number)",
    )


class PlateOfObject(Contract):
    """A plate, its recipient (a person or a legal entity) and its object (a vehicle's VIN or
    a machine's factory number)."""

    plate: Plate
    iin: Iin | None = None
    bin: Bin | None = None
    vin: Vin | None = None
    machine_id: MachineId | None = None
    idempotency_key: IdempotencyKeyText


class IssueRequest(PlateOfObject):
    """`BMG_Issue` (V19/V22, M12): issue a plate to a person or a legal entity, for a vehicle
    (VIN) or a machine (factory number)."""


class ReleaseRequest(Contract):
    """`BMG_Release`: give a person's reservation back."""

    plate: Plate
    iin: Iin
    idempotency_key: IdempotencyKeyText


class AnnulRequest(PlateOfObject):
    """`BMG_Annul` (V19, M12): annul a plate issued to this recipient for this vehicle (VIN)
    or machine (factory number), when the application it was issued for is refused or
    withdrawn."""


class PlateStatusRequest(Contract):
    """`BMG_PlateStatus` (M10.3): a plate's status and its archive."""

    plate: Plate


# --- answers ---------------------------------------------------------------------------------


class PlateView(Contract):
    """A plate as the bus clock sees it: a reservation that ran out shows as FREE."""

    plate: str
    kind: PlateKind
    region_code: str
    status: PlateStatus
    increased_demand: bool
    demand_category: DemandCategory | None
    iin: str | None
    bin: str | None
    reserved_until: datetime | None
    vin: str | None
    machine_id: str | None
    issued_at: datetime | None
    status_since: datetime


class PlateEventView(Contract):
    at: datetime
    action: EventAction
    status: PlateStatus
    iin: str | None
    bin: str | None
    vin: str | None
    machine_id: str | None


class Reservation(Contract):
    plate: str
    iin: str
    reserved_until: datetime
    reference: str | None = Field(
        default=None, description="what it is for; none when reserved in БМГ itself"
    )


class ReservedNumberAnswer(Contract):
    """Found: `reservations` lists the person's live reservations. None is an answer too
    (`found` false, `code` NO_RESERVED_NUMBER): the buyer then chooses a number (V16)."""

    found: bool
    reservations: list[Reservation]
    code: str | None = None
    messages: dict[str, str] | None = None


class FreeNumbersAnswer(Contract):
    """`nextAfter` is set when more plates follow: pass it as `after` for the next page.
    An empty list carries `code` NO_FREE_NUMBERS."""

    region_code: str
    kind: PlateKind
    plates: list[str]
    next_after: str | None
    code: str | None = None
    messages: dict[str, str] | None = None


class IssueAnswer(Contract):
    plate: str
    kind: PlateKind
    region_code: str
    iin: str | None
    bin: str | None
    vin: str | None
    machine_id: str | None
    issued_at: datetime


class ReleaseAnswer(Contract):
    plate: str
    status: PlateStatus
    released_at: datetime


class AnnulAnswer(Contract):
    plate: str
    status: PlateStatus
    annulled_at: datetime


class PlateStatusAnswer(Contract):
    """`found`: the plate is in the bank (`plate` set). Its archive (`history`) is given even
    when the plate has left the bank; neither is an answer with `code` PLATE_NOT_FOUND."""

    found: bool
    plate: PlateView | None
    history: list[PlateEventView]
    code: str | None = None
    messages: dict[str, str] | None = None


# --- admin -----------------------------------------------------------------------------------


class PlateIn(Contract):
    """A plate's state as the admin sets it; kind, region and demand come from the number."""

    status: PlateStatus
    iin: Iin | None = None
    bin: Bin | None = None
    reserved_until: datetime | None = None
    vin: Vin | None = None
    machine_id: MachineId | None = None
    issued_at: datetime | None = None
    """Defaults to now for an ISSUED plate."""


class PlateDetail(PlateView):
    history: list[PlateEventView]
