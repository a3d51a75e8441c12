"""БМГ, the bank of plate numbers: free numbers and a person's reservation (V16), reserve and
release (V16, V19), issue and annul (V19, M12), a plate's status (M10.3)."""

from __future__ import annotations

from datetime import datetime

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

BMG = "БМГ"


class ReservedNumberRequest(RegistryRequest):
    iin: str


class Reservation(RegistryAnswer):
    plate: str
    iin: str
    reserved_until: datetime
    reference: str | None = None
    """What it is for (the portal's application number); none when reserved in БМГ itself."""


class ReservedNumberAnswer(LookupAnswer):
    found: bool
    reservations: list[Reservation]


RESERVED_NUMBER = Operation("BMG_ReservedNumber", BMG, ReservedNumberRequest, ReservedNumberAnswer)


class FreeNumbersRequest(RegistryRequest):
    region_code: str | None
    kind: str
    limit: int | None = None
    after: str | None = None
    """The last plate of the previous page (`nextAfter` of its answer)."""
    pattern: str | None = None
    """Characters the plate must contain, `*` for any run of characters."""


class FreeNumbersAnswer(LookupAnswer):
    region_code: str
    kind: str
    plates: list[str]
    next_after: str | None = None


FREE_NUMBERS = Operation("BMG_FreeNumbers", BMG, FreeNumbersRequest, FreeNumbersAnswer)


class ReserveRequest(RegistryRequest):
    plate: str
    iin: str
    idempotency_key: str
    hold_minutes: int | None = None
    reference: str | None = None


RESERVE = Operation("BMG_Reserve", BMG, ReserveRequest, Reservation)


class PlateOfObject(RegistryRequest):
    """A plate, its recipient (a person or a legal entity) and its object (a vehicle's VIN or
    a machine's factory number)."""

    plate: str
    iin: str | None = None
    bin: str | None = None
    vin: str | None = None
    machine_id: str | None = None
    idempotency_key: str


class IssueAnswer(RegistryAnswer):
    plate: str
    kind: str
    region_code: str
    iin: str | None = None
    bin: str | None = None
    vin: str | None = None
    machine_id: str | None = None
    issued_at: datetime


ISSUE = Operation("BMG_Issue", BMG, PlateOfObject, IssueAnswer)


class ReleaseRequest(RegistryRequest):
    plate: str
    iin: str
    idempotency_key: str


class ReleaseAnswer(RegistryAnswer):
    plate: str
    status: str
    released_at: datetime


RELEASE = Operation("BMG_Release", BMG, ReleaseRequest, ReleaseAnswer)


class AnnulAnswer(RegistryAnswer):
    plate: str
    status: str
    annulled_at: datetime


ANNUL = Operation("BMG_Annul", BMG, PlateOfObject, AnnulAnswer)


class PlateStatusRequest(RegistryRequest):
    plate: str


class PlateView(RegistryAnswer):
    plate: str
    kind: str
    region_code: str
    status: str
    """FREE, RESERVED, ISSUED…: a reservation that ran out shows as FREE."""
    increased_demand: bool
    demand_category: str | None = None
    iin: str | None = None
    bin: str | None = None
    reserved_until: datetime | None = None
    vin: str | None = None
    machine_id: str | None = None
    issued_at: datetime | None = None
    status_since: datetime


class PlateEvent(RegistryAnswer):
    at: datetime
    action: str
    status: str
    iin: str | None = None
    bin: str | None = None
    vin: str | None = None
    machine_id: str | None = None


class PlateStatusAnswer(LookupAnswer):
    found: bool
    plate: PlateView | None = None
    history: list[PlateEvent]


PLATE_STATUS = Operation("BMG_PlateStatus", BMG, PlateStatusRequest, PlateStatusAnswer)
