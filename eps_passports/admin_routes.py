"""Admin API of ЭПТС / ЭПСМ: testers add, change and remove passports to build any case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from eps_passports.models import PassportKind
from eps_passports.repository import PassportRepository
from eps_passports.routes import check_passport, to_record, to_row
from eps_passports.schemas import PassportIn, PassportNumber, PassportRecord
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import NotFound
from servicekit.identifiers import Vin
from servicekit.params import Offset

router = APIRouter(prefix="/admin", tags=["admin: passports"])


@router.get("/passports", summary="Passports by number, optionally of one VIN or kind")
async def list_passports(
    _: AdminOnly,
    session: DbSession,
    vin: Annotated[Vin | None, Query()] = None,
    kind: Annotated[PassportKind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[PassportRecord]:
    found = await PassportRepository(session).search(vin=vin, kind=kind, limit=limit, offset=offset)
    return [to_record(p) for p in found]


@router.get(
    "/passports/{number}",
    summary="One passport by its 15-digit number",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def get_passport(number: PassportNumber, _: AdminOnly, session: DbSession) -> PassportRecord:
    passport = await PassportRepository(session).get(number)
    if passport is None:
        raise NotFound(field="number")
    return to_record(passport)


@router.put("/passports/{number}", summary="Add or replace a passport")
async def put_passport(
    number: PassportNumber,
    body: PassportIn,
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
) -> PassportRecord:
    check_passport(number, body)
    stored = await PassportRepository(session).save(to_row(number, body, clock.now()))
    return to_record(stored)


@router.delete(
    "/passports/{number}",
    status_code=204,
    summary="Remove a passport",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def delete_passport(number: PassportNumber, _: AdminOnly, session: DbSession) -> Response:
    if not await PassportRepository(session).delete(number):
        raise NotFound(field="number")
    return Response(status_code=204)
