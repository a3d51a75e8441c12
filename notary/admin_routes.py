"""Admin API of ЕНИС: testers add, change, revoke and remove powers of attorney to build any
case of M6.1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from notary.repository import PowerOfAttorneyRepository
from notary.routes import check_power, to_record, to_row
from notary.schemas import PowerOfAttorneyIn, PowerOfAttorneyNumber, PowerOfAttorneyRecord, RevokeIn
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import Conflict, NotFound
from servicekit.identifiers import Iin
from servicekit.params import Offset

router = APIRouter(prefix="/admin", tags=["admin: powers of attorney"])


@router.get(
    "/powers-of-attorney",
    summary="Powers of attorney by number, optionally of one principal or representative",
)
async def list_powers(
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
    principal_iin: Annotated[Iin | None, Query(alias="principalIin")] = None,
    representative_iin: Annotated[Iin | None, Query(alias="representativeIin")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[PowerOfAttorneyRecord]:
    found = await PowerOfAttorneyRepository(session).search(
        principal_iin=principal_iin,
        representative_iin=representative_iin,
        limit=limit,
        offset=offset,
    )
    today = clock.today()
    return [to_record(p, today) for p in found]


@router.get(
    "/powers-of-attorney/{number}",
    summary="One power of attorney",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def get_power(
    number: PowerOfAttorneyNumber, _: AdminOnly, clock: BusClock, session: DbSession
) -> PowerOfAttorneyRecord:
    power = await PowerOfAttorneyRepository(session).get(number)
    if power is None:
        raise NotFound(field="number")
    return to_record(power, clock.today())


@router.put("/powers-of-attorney/{number}", summary="Add or replace a power of attorney")
async def put_power(
    number: PowerOfAttorneyNumber,
    body: PowerOfAttorneyIn,
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
) -> PowerOfAttorneyRecord:
    check_power(body)
    stored = await PowerOfAttorneyRepository(session).save(to_row(number, body))
    return to_record(stored, clock.today())


@router.post(
    "/powers-of-attorney/{number}/revoke",
    summary="Record the principal's revocation, at the bus clock's time",
    description="A power of attorney is revoked once; a second revocation is refused with "
    "POWER_OF_ATTORNEY_ALREADY_REVOKED and changes nothing.",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def revoke_power(
    number: PowerOfAttorneyNumber,
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
    body: Annotated[RevokeIn | None, Body()] = None,
) -> PowerOfAttorneyRecord:
    repository = PowerOfAttorneyRepository(session)
    reason = body.reason if body is not None else None
    revoked = await repository.revoke(number, clock.now(), reason)
    power = await repository.get(number)
    if power is None:
        raise NotFound(field="number")
    if not revoked:
        raise Conflict("POWER_OF_ATTORNEY_ALREADY_REVOKED", field="number", number=number)
    return to_record(power, clock.today())


@router.delete(
    "/powers-of-attorney/{number}",
    status_code=204,
    summary="Remove a power of attorney",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def delete_power(number: PowerOfAttorneyNumber, _: AdminOnly, session: DbSession) -> Response:
    if not await PowerOfAttorneyRepository(session).delete(number):
        raise NotFound(field="number")
    return Response(status_code=204)
