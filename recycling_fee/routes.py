"""The recycling fee registry's operations on the gateway's channels, and its admin API.

`RECYCLING_FeeByVin` answers the recycling fee (утилизационный платёж) of a vehicle (V5), as
its operator АО «Жасыл даму» records it: the payer (the manufacturer, on posting the finished
vehicle, or the importer, on border crossing), the fee (base rate 50 МРП × the vehicle's
coefficient, priced with the МРП of the payment year; kz-reference §6), its status, payment
date and certificate number.

Answers: no record (`found` false, RECYCLING_FEE_NOT_FOUND); paid (`paid` true); unpaid
(`paid` false, RECYCLING_FEE_NOT_PAID with the amount due).

Scenarios a tester can force with `X-Test-Scenario` (relayed by the gateway), whatever the
seed says:
- `recycling_fee.not_found` — there is no fee record of the VIN;
- `recycling_fee.unpaid` — a stored fee is reported unpaid, priced with the МРП of its
  obligation year (a VIN without a record stays not found).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.status import HTTP_204_NO_CONTENT

from recycling_fee.models import FeeStatus, RecyclingFee
from recycling_fee.repository import FeeRepository
from recycling_fee.schemas import Fee, FeeAnswer, FeeEntry, FeeIn, FeeRequest, Payer
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import NotFound, Problem
from servicekit.identifiers import Bin, Vin, parse_vin
from servicekit.messages import Texts, register, tenge, texts_for
from servicekit.provider import SyncCall, SyncProvider

FEE_BY_VIN = "RECYCLING_FeeByVin"

BASE_RATE_MRP = 50
MRP_BY_YEAR = {2025: 3932, 2026: 4325}
"""МРП in tenge by year (kz-reference §6: the 2026–2028 budget law)."""

provider = SyncProvider(
    "recycling_fee",
    {
        "recycling_fee.not_found": "there is no fee record of the VIN",
        "recycling_fee.unpaid": "a stored fee is reported unpaid",
    },
)
admin = APIRouter(prefix="/admin", tags=["admin: recycling fee"])

register(
    {
        "RECYCLING_FEE_NOT_FOUND": Texts(
            "Сведения об утилизационном платеже по указанному VIN не найдены",
            "Көрсетілген VIN бойынша кәдеге жарату төлемі туралы мәліметтер табылмады",
            "No recycling fee record for this VIN",
        ),
        "RECYCLING_FEE_NOT_PAID": Texts(
            "Утилизационный платёж по VIN не уплачен: к уплате {amount} ₸",
            "VIN бойынша кәдеге жарату төлемі төленбеген: төленуге тиіс сома {amount} ₸",
            "The recycling fee for this VIN is not paid: {amount} KZT due",
        ),
        "RECYCLING_PAYMENT_DETAILS": Texts(
            "Дата оплаты и номер сертификата указываются только при статусе PAID "
            "и для него обязательны",
            "Төлем күні мен сертификат нөмірі тек PAID мәртебесінде көрсетіледі "
            "және ол үшін міндетті",
            "A payment date and a certificate number are given exactly when the status is PAID",
        ),
        "RECYCLING_MRP_UNKNOWN": Texts(
            "МРП на {year} год неизвестен реестру; известны годы: {years}",
            "{year} жылғы АЕК тізілімге белгісіз; белгілі жылдар: {years}",
            "The registry does not know the MRP of {year}; known years: {years}",
        ),
    }
)


@provider.operation(FEE_BY_VIN, FeeRequest)
async def fee_by_vin(data: FeeRequest, call: SyncCall) -> FeeAnswer:
    check_digit_valid = parse_vin(data.vin).check_digit_valid
    stored = await FeeRepository(call.session).get(data.vin)
    if stored is None or call.scenario == "recycling_fee.not_found":
        return FeeAnswer(
            vin=data.vin,
            vin_check_digit_valid=check_digit_valid,
            found=False,
            paid=False,
            code="RECYCLING_FEE_NOT_FOUND",
            messages=texts_for("RECYCLING_FEE_NOT_FOUND").render({}),
        )
    fee = to_fee(stored)
    if call.scenario == "recycling_fee.unpaid":
        year = fee.obligation_date.year
        fee = fee.model_copy(
            update={
                "status": FeeStatus.UNPAID,
                "payment_date": None,
                "certificate_number": None,
                "mrp_year": year,
                "mrp": MRP_BY_YEAR[year],
                "amount": assess(Decimal(str(fee.coefficient)), MRP_BY_YEAR[year]),
            }
        )
    paid = fee.status is FeeStatus.PAID
    return FeeAnswer(
        vin=data.vin,
        vin_check_digit_valid=check_digit_valid,
        found=True,
        paid=paid,
        fee=fee,
        code=None if paid else "RECYCLING_FEE_NOT_PAID",
        messages=None
        if paid
        else texts_for("RECYCLING_FEE_NOT_PAID").render({"amount": tenge(fee.amount)}),
    )


def assess(coefficient: Decimal, mrp: int) -> int:
    """50 МРП × coefficient in whole tenge (half a tenge rounds up)."""
    amount = BASE_RATE_MRP * mrp * coefficient
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_fee(fee: RecyclingFee) -> Fee:
    return Fee(
        payer=Payer(bin=fee.payer_bin, name=fee.payer_name, role=fee.payer_role),
        vehicle_category=fee.vehicle_category,
        engine_volume_cc=fee.engine_volume_cc,
        base_rate_mrp=BASE_RATE_MRP,
        coefficient=fee.coefficient,
        mrp_year=fee.mrp_year,
        mrp=fee.mrp,
        amount=fee.amount,
        status=fee.status,
        obligation_date=fee.obligation_date,
        payment_date=fee.payment_date,
        certificate_number=fee.certificate_number,
    )


def to_entry(fee: RecyclingFee) -> FeeEntry:
    return FeeEntry(**to_fee(fee).model_dump(), vin=fee.vin, updated_at=fee.updated_at)


def _known_mrp(year: int, field: str) -> int:
    mrp = MRP_BY_YEAR.get(year)
    if mrp is None:
        raise Problem(
            "RECYCLING_MRP_UNKNOWN",
            status=422,
            field=field,
            year=year,
            years=", ".join(str(y) for y in MRP_BY_YEAR),
        )
    return mrp


def to_record(vin: str, body: FeeIn, now: datetime) -> RecyclingFee:
    """The row for a record (admin PUT or seed), refusing what the schema alone cannot see."""
    paid = body.status is FeeStatus.PAID
    if (body.payment_date is not None, body.certificate_number is not None) != (paid, paid):
        field = "paymentDate" if (body.payment_date is not None) != paid else "certificateNumber"
        raise Problem("RECYCLING_PAYMENT_DETAILS", status=422, field=field)
    # The obligation year must be priceable too: the unpaid scenario prices with it.
    mrp = _known_mrp(body.obligation_date.year, "obligationDate")
    year = body.obligation_date.year
    if body.payment_date is not None:
        year = body.payment_date.year
        mrp = _known_mrp(year, "paymentDate")
    return RecyclingFee(
        vin=vin,
        payer_bin=body.payer.bin,
        payer_name=body.payer.name,
        payer_role=body.payer.role,
        vehicle_category=body.vehicle_category,
        engine_volume_cc=body.engine_volume_cc,
        coefficient=float(body.coefficient),
        obligation_date=body.obligation_date,
        mrp_year=year,
        mrp=mrp,
        amount=assess(body.coefficient, mrp),
        status=body.status,
        payment_date=body.payment_date,
        certificate_number=body.certificate_number,
        updated_at=now,
    )


@admin.get("/fees", summary="Recycling fees, narrowed by status or payer")
async def list_fees(
    _: AdminOnly,
    session: DbSession,
    status: FeeStatus | None = None,
    payer: Annotated[Bin | None, Query(description="the payer's БИН")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[FeeEntry]:
    found = await FeeRepository(session).find(status=status, payer_bin=payer, limit=limit)
    return [to_entry(fee) for fee in found]


@admin.get(
    "/fees/{vin}",
    summary="The recycling fee of one VIN as stored",
    responses={404: {"description": "NOT_FOUND: no such vin"}},
)
async def get_fee(vin: Vin, _: AdminOnly, session: DbSession) -> FeeEntry:
    fee = await FeeRepository(session).get(vin)
    if fee is None:
        raise NotFound(field="vin")
    return to_entry(fee)


@admin.put("/fees/{vin}", summary="Add or replace the recycling fee of a VIN")
async def put_fee(
    vin: Vin, body: FeeIn, _: AdminOnly, clock: BusClock, session: DbSession
) -> FeeEntry:
    fee = to_record(vin, body, clock.now())
    return to_entry(await FeeRepository(session).replace(fee))


@admin.delete(
    "/fees/{vin}",
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove the recycling fee of a VIN",
    responses={404: {"description": "NOT_FOUND: no such vin"}},
)
async def delete_fee(vin: Vin, _: AdminOnly, session: DbSession) -> Response:
    if not await FeeRepository(session).delete(vin):
        raise NotFound(field="vin")
    return Response(status_code=HTTP_204_NO_CONTENT)
