"""Admin API of БМГ (`Authorization: Bearer <admin token>`): plates as testers arrange them.

Kind, region and the increased-demand category always come from the number itself. Every
change is written to the archive (ADMIN_CHANGED, ADMIN_DELETED, RELEASED), and a plate the bank
ever issued cannot be made FREE or RESERVED again, here either.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError
from starlette.status import HTTP_204_NO_CONTENT

from number_bank.models import EventAction, Plate, PlateStatus
from number_bank.plates import Plate as PlateText
from number_bank.plates import PlateKind, RegionCode, parse_plate
from number_bank.repository import PlateRepository
from number_bank.routes import to_event, to_view
from number_bank.schemas import PlateDetail, PlateIn, PlateView
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import Conflict, NotFound, Problem
from servicekit.identifiers import Iin, Vin
from servicekit.messages import Texts, register

router = APIRouter(prefix="/admin", tags=["admin: plates"])

register(
    {
        "PLATE_STATE_INVALID": Texts(
            "Поле «{field}» не согласуется со статусом номера {state}",
            "«{field}» өрісі нөмірдің {state} мәртебесіне сәйкес келмейді",
            "The field '{field}' does not fit the plate's status {state}",
        ),
    }
)

PlatePath = Annotated[PlateText, Path(description="the plate, e.g. `123 ABC 02` (URL-encoded)")]

_HOLDER_FIELDS = ("iin", "bin", "reserved_until", "vin", "machine_id", "issued_at")
_ALLOWED: dict[PlateStatus, frozenset[str]] = {
    PlateStatus.FREE: frozenset(),
    PlateStatus.RESERVED: frozenset({"iin", "reserved_until"}),
    PlateStatus.ISSUED: frozenset({"iin", "bin", "vin", "machine_id", "issued_at"}),
    PlateStatus.STORED: frozenset({"iin", "bin", "vin", "machine_id", "issued_at"}),
    PlateStatus.ANNULLED: frozenset({"iin", "bin", "vin", "machine_id", "issued_at"}),
}


def _invalid_field(body: PlateIn, kind: PlateKind) -> str | None:
    """The first field that breaks the plate's CHECK constraints, so a bad PUT is a 422."""
    present = {name for name in _HOLDER_FIELDS if getattr(body, name) is not None}
    foreign = "vin" if kind is PlateKind.MACHINERY else "machine_id"
    extra = sorted(present - _ALLOWED[body.status]) + ([foreign] if foreign in present else [])
    if extra:
        return extra[0]
    if body.status is PlateStatus.RESERVED:
        return next((f for f in ("iin", "reserved_until") if f not in present), None)
    if body.status is PlateStatus.ISSUED:
        if {"iin", "bin"} <= present:
            return "bin"
        if not {"iin", "bin"} & present:
            return "iin"
        needed = "machine_id" if kind is PlateKind.MACHINERY else "vin"
        return None if needed in present else needed
    return None


async def _existing(plates: PlateRepository, plate: str) -> Plate:
    found = await plates.get(plate)
    if found is None:
        raise NotFound("PLATE_NOT_FOUND", field="plate", plate=plate)
    return found


@router.get("/plates", summary="Plates in plate order, filtered (status as of the bus clock)")
async def list_plates(
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
    region_code: Annotated[RegionCode | None, Query(alias="regionCode")] = None,
    kind: PlateKind | None = None,
    status: PlateStatus | None = None,
    increased_demand: Annotated[bool | None, Query(alias="increasedDemand")] = None,
    iin: Iin | None = None,
    vin: Vin | None = None,
    after: PlateText | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PlateView]:
    now = clock.now()
    found = await PlateRepository(session).listing(
        now=now,
        limit=limit,
        after=after,
        region_code=region_code,
        kind=kind,
        status=status,
        increased_demand=increased_demand,
        iin=iin,
        vin=vin,
    )
    return [to_view(plate, now) for plate in found]


@router.get(
    "/plates/{plate}",
    summary="A plate with its archive",
    responses={404: {"description": "PLATE_NOT_FOUND: no such plate"}},
)
async def get_plate(
    plate: PlatePath, _: AdminOnly, clock: BusClock, session: DbSession
) -> PlateDetail:
    plates = PlateRepository(session)
    found = await _existing(plates, plate)
    view = to_view(found, clock.now())
    history = [to_event(e) for e in await plates.history(plate)]
    return PlateDetail(**view.model_dump(), history=history)


@router.put("/plates/{plate}", summary="Create or replace a plate")
async def put_plate(
    plate: PlatePath, body: PlateIn, _: AdminOnly, clock: BusClock, session: DbSession
) -> PlateView:
    number = parse_plate(plate)
    if (wrong := _invalid_field(body, number.kind)) is not None:
        raise Problem(
            "PLATE_STATE_INVALID", status=422, field=to_camel(wrong), state=body.status.value
        )
    plates = PlateRepository(session)
    issued_before = await plates.ever_issued(plate)
    if body.status in (PlateStatus.FREE, PlateStatus.RESERVED) and issued_before:
        raise Conflict("PLATE_ALREADY_ISSUED", field="status", plate=plate)
    now = clock.now()
    existed = await plates.get(plate) is not None
    # A plate the admin issues counts as issued (uq_plate_events_issued) like any other.
    if body.status is PlateStatus.ISSUED and not issued_before:
        action = EventAction.ISSUED
    else:
        action = EventAction.ADMIN_CHANGED if existed else EventAction.CREATED
    row = Plate(
        plate=plate,
        kind=number.kind,
        region_code=number.region_code,
        demand_category=number.demand_category,
        status=body.status,
        iin=body.iin,
        bin=body.bin,
        reserved_until=body.reserved_until,
        vin=body.vin,
        machine_id=body.machine_id,
        issued_at=body.issued_at or (now if body.status is PlateStatus.ISSUED else None),
        status_since=now,
    )
    try:
        await plates.put(row)
    except IntegrityError:
        # uq_plates_issued_vin: here too, one issued plate per vehicle.
        raise Conflict("VEHICLE_ALREADY_HAS_PLATE", field="vin", vin=body.vin) from None
    await plates.record(
        plate,
        action,
        body.status,
        now,
        iin=body.iin,
        bin=body.bin,
        vin=body.vin,
        machine_id=body.machine_id,
    )
    return to_view(row, now)


@router.delete(
    "/plates/{plate}",
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove a plate",
    responses={404: {"description": "PLATE_NOT_FOUND: no such plate"}},
)
async def delete_plate(
    plate: PlatePath, _: AdminOnly, clock: BusClock, session: DbSession
) -> Response:
    """The archive stays: the plate's history (and whether it was ever issued) survives."""
    plates = PlateRepository(session)
    last = (await _existing(plates, plate)).status
    await plates.delete(plate)
    await plates.record(plate, EventAction.ADMIN_DELETED, last, clock.now())
    return Response(status_code=HTTP_204_NO_CONTENT)


@router.post(
    "/plates/{plate}/release",
    summary="A reserved or stored plate back to FREE (never one the bank has issued)",
    responses={404: {"description": "PLATE_NOT_FOUND: no such plate"}},
)
async def release_plate(
    plate: PlatePath, _: AdminOnly, clock: BusClock, session: DbSession
) -> PlateView:
    plates = PlateRepository(session)
    now = clock.now()
    current = await _existing(plates, plate)
    if current.status is PlateStatus.ISSUED or await plates.ever_issued(plate):
        raise Conflict("PLATE_ALREADY_ISSUED", field="plate", plate=plate)
    if await plates.free(plate, now):
        await plates.record(plate, EventAction.RELEASED, PlateStatus.FREE, now)
    return to_view(await _existing(plates, plate), now)
