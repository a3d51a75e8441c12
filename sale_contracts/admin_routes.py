"""Admin API of the sale-contract registry: testers add, change, sign and remove contracts to
build any case of V8/V13."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from sale_contracts.repository import ContractRepository
from sale_contracts.routes import check_contract, sign, to_record, to_row
from sale_contracts.schemas import ContractIn, ContractNumber, ContractRecord, SignIn
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import NotFound
from servicekit.identifiers import Bin, Iin, Vin
from servicekit.openapi import keep_old_path
from servicekit.params import Offset

router = APIRouter(prefix="/admin", tags=["admin: sale contracts"])


@router.get("/contracts", summary="Contracts by number, optionally of one VIN, seller or buyer")
async def list_contracts(
    _: AdminOnly,
    session: DbSession,
    vin: Annotated[Vin | None, Query()] = None,
    seller_bin: Annotated[Bin | None, Query(alias="sellerBin")] = None,
    buyer_iin: Annotated[Iin | None, Query(alias="buyerIin")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[ContractRecord]:
    found = await ContractRepository(session).search(
        vin=vin, seller_bin=seller_bin, buyer_iin=buyer_iin, limit=limit, offset=offset
    )
    return [to_record(c) for c in found]


@router.get(
    "/contracts/{number}",
    summary="One contract",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def get_contract(number: ContractNumber, _: AdminOnly, session: DbSession) -> ContractRecord:
    contract = await ContractRepository(session).get(number)
    if contract is None:
        raise NotFound(field="number")
    return to_record(contract)


@router.put("/contracts/{number}", summary="Add or replace a contract")
async def put_contract(
    number: ContractNumber, body: ContractIn, _: AdminOnly, session: DbSession
) -> ContractRecord:
    check_contract(body)
    return to_record(await ContractRepository(session).save(to_row(number, body)))


@router.post(
    "/contracts/{number}/signature",
    summary="Sign as the seller or the buyer, at the bus clock's time",
    description="The seller signs first; the buyer signs for himself (`signerIin` is the "
    "buyer's ИИН). A party signs once; an annulled contract cannot be signed.",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def sign_contract(
    number: ContractNumber, body: SignIn, _: AdminOnly, clock: BusClock, session: DbSession
) -> ContractRecord:
    repository = ContractRepository(session)
    contract = await repository.get(number)
    if contract is None:
        raise NotFound(field="number")
    sign(contract, body.party, body.signer_iin, clock.now())
    return to_record(await repository.save(contract))


keep_old_path(router, "/contracts/{number}/signature", old="/contracts/{number}/sign")


@router.delete(
    "/contracts/{number}",
    status_code=204,
    summary="Remove a contract",
    responses={404: {"description": "NOT_FOUND: no such number"}},
)
async def delete_contract(number: ContractNumber, _: AdminOnly, session: DbSession) -> Response:
    if not await ContractRepository(session).delete(number):
        raise NotFound(field="number")
    return Response(status_code=204)
