"""The customs registry's operations on the gateway's channels, and its admin API.

`CUSTOMS_PaymentsByVin` answers the customs payments of a vehicle (V4): the goods declaration
(ДТ) that released it, the customs post, duty, VAT, excise and customs fee in tenge, what was
paid and by whom. A vehicle produced in Kazakhstan has the record of the vehicle kit its plant
imported for industrial assembly (duty-free, VAT paid), under the VIN the plant gave it.

Answers: no record (`found` false, CUSTOMS_RECORD_NOT_FOUND); paid (`paid` true); not paid
(`paid` false, CUSTOMS_NOT_PAID or CUSTOMS_PARTIALLY_PAID with the outstanding amount).

Scenarios a tester can force with `X-Test-Scenario` (relayed by the gateway), whatever the
seed says:
- `customs.not_found` — there is no customs record of the VIN;
- `customs.unpaid` — a stored record is reported with nothing paid (a VIN without a record
  stays not found: there is nothing to be unpaid).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.status import HTTP_204_NO_CONTENT

from customs.models import CustomsRecord, PaymentStatus
from customs.repository import CustomsRepository
from customs.schemas import (
    CustomsPost,
    Declaration,
    DeclarationEntry,
    DeclarationIn,
    Payer,
    PaymentsAnswer,
    PaymentsRequest,
)
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import NotFound, Problem
from servicekit.identifiers import Vin, parse_vin
from servicekit.messages import Texts, register, tenge, texts_for
from servicekit.provider import SyncCall, SyncProvider

PAYMENTS_BY_VIN = "CUSTOMS_PaymentsByVin"

provider = SyncProvider(
    "customs",
    {
        "customs.not_found": "there is no customs record of the VIN",
        "customs.unpaid": "a stored record is reported with nothing paid",
    },
)
admin = APIRouter(prefix="/admin", tags=["admin: customs"])

register(
    {
        "CUSTOMS_RECORD_NOT_FOUND": Texts(
            "Сведения о таможенных платежах по указанному VIN не найдены",
            "Көрсетілген VIN бойынша кедендік төлемдер туралы мәліметтер табылмады",
            "No customs payment record for this VIN",
        ),
        "CUSTOMS_NOT_PAID": Texts(
            "Таможенные платежи по VIN не уплачены: к уплате {outstanding} ₸",
            "VIN бойынша кедендік төлемдер төленбеген: төленуге тиіс сома {outstanding} ₸",
            "Customs payments for this VIN are not paid: {outstanding} KZT due",
        ),
        "CUSTOMS_PARTIALLY_PAID": Texts(
            "Таможенные платежи по VIN уплачены не полностью: осталось уплатить {outstanding} ₸",
            "VIN бойынша кедендік төлемдер толық төленбеген: {outstanding} ₸ төлеу қалды",
            "Customs payments for this VIN are partly paid: {outstanding} KZT outstanding",
        ),
        "CUSTOMS_DECLARATION_DATE": Texts(
            "Дата ДТ должна совпадать с датой в номере декларации ({number_date})",
            "ДТ күні декларация нөміріндегі күнмен ({number_date}) сәйкес болуы керек",
            "The declaration date must match the date in its number ({number_date})",
        ),
        "CUSTOMS_PAYER": Texts(
            "Укажите плательщика: БИН организации или ИИН физического лица, одно из двух",
            "Төлеушіні көрсетіңіз: ұйымның БСН-і немесе жеке тұлғаның ЖСН-і, екеуінің бірі",
            "Name the payer by exactly one of a BIN (entity) or an IIN (person)",
        ),
        "CUSTOMS_OVERPAID": Texts(
            "Уплаченная сумма больше начисленной ({total} ₸)",
            "Төленген сома есептелген сомадан ({total} ₸) артық",
            "The paid amount exceeds the total due ({total} KZT)",
        ),
        "CUSTOMS_PAYMENT_DATE": Texts(
            "Дата оплаты указывается, только если что-то уплачено, и тогда обязательна",
            "Төлем күні бірдеңе төленген жағдайда ғана көрсетіледі және сонда міндетті",
            "A payment date is given exactly when something was paid",
        ),
    }
)


@provider.operation(PAYMENTS_BY_VIN, PaymentsRequest)
async def payments_by_vin(data: PaymentsRequest, call: SyncCall) -> PaymentsAnswer:
    check_digit_valid = parse_vin(data.vin).check_digit_valid
    record = await CustomsRepository(call.session).get(data.vin)
    if record is None or call.scenario == "customs.not_found":
        return PaymentsAnswer(
            vin=data.vin,
            vin_check_digit_valid=check_digit_valid,
            found=False,
            paid=False,
            code="CUSTOMS_RECORD_NOT_FOUND",
            messages=texts_for("CUSTOMS_RECORD_NOT_FOUND").render({}),
        )
    declaration = to_declaration(record)
    if call.scenario == "customs.unpaid":
        declaration = declaration.model_copy(
            update={
                "paid_amount": 0,
                "outstanding": declaration.total,
                "payment_status": PaymentStatus.UNPAID,
                "payment_date": None,
            }
        )
    code = {
        PaymentStatus.PAID: None,
        PaymentStatus.UNPAID: "CUSTOMS_NOT_PAID",
        PaymentStatus.PARTIALLY_PAID: "CUSTOMS_PARTIALLY_PAID",
    }[declaration.payment_status]
    return PaymentsAnswer(
        vin=data.vin,
        vin_check_digit_valid=check_digit_valid,
        found=True,
        paid=code is None,
        declaration=declaration,
        code=code,
        messages=texts_for(code).render({"outstanding": tenge(declaration.outstanding)})
        if code
        else None,
    )


def to_declaration(record: CustomsRecord) -> Declaration:
    return Declaration(
        declaration_number=record.declaration_number,
        declaration_date=record.declaration_date,
        goods_kind=record.goods_kind,
        customs_post=CustomsPost(
            code=record.customs_post_code,
            name=record.customs_post,
            name_kk=record.customs_post_kk,
        ),
        origin_country=record.origin_country,
        customs_value=record.customs_value,
        duty=record.duty,
        vat=record.vat,
        excise=record.excise,
        customs_fee=record.customs_fee,
        total=record.total,
        paid_amount=record.paid_amount,
        outstanding=max(record.total - record.paid_amount, 0),
        payment_status=record.payment_status,
        payment_date=record.payment_date,
        payer=Payer(bin=record.payer_bin, iin=record.payer_iin, name=record.payer_name),
    )


def to_entry(record: CustomsRecord) -> DeclarationEntry:
    return DeclarationEntry(
        **to_declaration(record).model_dump(), vin=record.vin, updated_at=record.updated_at
    )


def to_record(vin: str, body: DeclarationIn, now: datetime) -> CustomsRecord:
    """The row for a record (admin PUT or seed), refusing what the schema alone cannot see."""
    number_date = body.declaration_number.split("/")[1]
    if body.declaration_date != _ddmmyy(number_date):
        raise Problem(
            "CUSTOMS_DECLARATION_DATE",
            status=422,
            field="declarationDate",
            number_date=number_date,
        )
    if (body.payer.bin is None) == (body.payer.iin is None):
        raise Problem("CUSTOMS_PAYER", status=422, field="payer")
    total = body.duty + body.vat + body.excise + body.customs_fee
    if body.paid_amount > total:
        raise Problem("CUSTOMS_OVERPAID", status=422, field="paidAmount", total=tenge(total))
    if (body.payment_date is not None) != (body.paid_amount > 0):
        raise Problem("CUSTOMS_PAYMENT_DATE", status=422, field="paymentDate")
    return CustomsRecord(
        vin=vin,
        declaration_number=body.declaration_number,
        declaration_date=body.declaration_date,
        goods_kind=body.goods_kind,
        customs_post_code=body.customs_post.code,
        customs_post=body.customs_post.name,
        customs_post_kk=body.customs_post.name_kk,
        origin_country=body.origin_country,
        customs_value=body.customs_value,
        duty=body.duty,
        vat=body.vat,
        excise=body.excise,
        customs_fee=body.customs_fee,
        paid_amount=body.paid_amount,
        payment_date=body.payment_date,
        payer_bin=body.payer.bin,
        payer_iin=body.payer.iin,
        payer_name=body.payer.name,
        updated_at=now,
    )


def _ddmmyy(text: str) -> date | None:
    try:
        return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))
    except ValueError:
        return None


@admin.get("/declarations", summary="Customs records, narrowed by payment status or payer")
async def list_declarations(
    _: AdminOnly,
    session: DbSession,
    status: PaymentStatus | None = None,
    payer: Annotated[
        str | None, Query(pattern=r"^\d{12}$", description="the payer's БИН or ИИН")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeclarationEntry]:
    found = await CustomsRepository(session).find(status=status, payer=payer, limit=limit)
    return [to_entry(record) for record in found]


@admin.get(
    "/declarations/{vin}",
    summary="The customs record of one VIN as stored",
    responses={404: {"description": "NOT_FOUND: no such vin"}},
)
async def get_declaration(vin: Vin, _: AdminOnly, session: DbSession) -> DeclarationEntry:
    record = await CustomsRepository(session).get(vin)
    if record is None:
        raise NotFound(field="vin")
    return to_entry(record)


@admin.put("/declarations/{vin}", summary="Add or replace the customs record of a VIN")
async def put_declaration(
    vin: Vin, body: DeclarationIn, _: AdminOnly, clock: BusClock, session: DbSession
) -> DeclarationEntry:
    record = to_record(vin, body, clock.now())
    return to_entry(await CustomsRepository(session).replace(record))


@admin.delete(
    "/declarations/{vin}",
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove the customs record of a VIN",
    responses={404: {"description": "NOT_FOUND: no such vin"}},
)
async def delete_declaration(vin: Vin, _: AdminOnly, session: DbSession) -> Response:
    if not await CustomsRepository(session).delete(vin):
        raise NotFound(field="vin")
    return Response(status_code=HTTP_204_NO_CONTENT)
