"""ПШЭП's operations on the gateway's sync channel, the payer's REST endpoint and the admin API.

V17: the portal makes an invoice for the duties and fees and the buyer pays it; M6.3: the
front office checks that a payer has paid for a purpose.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi import Path as PathParam

from payments.invoicing import create_invoice, pay, start_of_day
from payments.models import (
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    MrpRate,
    PaymentMethod,
    Purpose,
)
from payments.repository import InvoiceRepository, MrpRepository, PurposeRepository
from payments.schemas import (
    CheckAnswer,
    CheckRequest,
    CreateInvoiceAnswer,
    CreateInvoiceRequest,
    InvoiceRecord,
    InvoiceStatusAnswer,
    InvoiceStatusRequest,
    ItemRecord,
    MrpIn,
    MrpOnDate,
    MrpRecord,
    PayAnswer,
    Payer,
    PayIn,
    PaymentRecord,
    PayRequest,
    PurposeRecord,
    ReceiptRecord,
)
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import Conflict, NotFound, Problem
from servicekit.identifiers import Bin, Iin
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

CREATE_INVOICE = "PAYMENTS_CreateInvoice"
INVOICE_STATUS = "PAYMENTS_InvoiceStatus"
PAY = "PAYMENTS_Pay"
CHECK_BY_PAYER_PURPOSE = "PAYMENTS_CheckByPayerPurpose"

DATA = "requestData.data"
"""Where an operation's fields are in the envelope, for the problems that name them."""

provider = SyncProvider("payments")

register(
    {
        "INVOICE_NOT_FOUND": Texts(
            "Счёт № {invoice_number} не найден в ПШЭП",
            "№ {invoice_number} шот ЭҮТШ-да табылмады",
            "Invoice No {invoice_number} was not found at the payment gateway",
        ),
        "ALREADY_PAID": Texts(
            "Счёт № {invoice_number} уже оплачен",
            "№ {invoice_number} шот төленіп қойған",
            "Invoice No {invoice_number} is already paid",
        ),
        "INVOICE_EXPIRED": Texts(
            "Срок оплаты счёта № {invoice_number} истёк {expires_at}: сформируйте новый счёт",
            "№ {invoice_number} шотты төлеу мерзімі {expires_at} өтіп кетті: жаңа шот жасаңыз",
            "Invoice No {invoice_number} expired on {expires_at}: create a new invoice",
        ),
        "INVOICE_CANCELLED": Texts(
            "Счёт № {invoice_number} отменён и не может быть оплачен",
            "№ {invoice_number} шоттың күші жойылған, оны төлеуге болмайды",
            "Invoice No {invoice_number} is cancelled and cannot be paid",
        ),
        "INVOICE_IDEMPOTENCY_KEY_REUSED": Texts(
            "Ключ идемпотентности уже использован для другого запроса (счёт № {invoice_number})",
            "Идемпотенттілік кілті басқа сұрау үшін пайдаланылған (№ {invoice_number} шот)",
            "The idempotency key was already used for a different request "
            "(invoice No {invoice_number})",
        ),
        "UNKNOWN_PURPOSE": Texts(
            "Назначение платежа «{purpose}» не известно ПШЭП",
            "«{purpose}» төлем мақсаты ЭҮТШ-ға белгісіз",
            "The payment purpose '{purpose}' is not known to the payment gateway",
        ),
        "MRP_NOT_DEFINED": Texts(
            "МРП на {year} год не задан в ПШЭП",
            "{year} жылға арналған АЕК ЭҮТШ-да белгіленбеген",
            "The monthly calculation index (MRP) for {year} is not set",
        ),
        "PAYER_REQUIRED": Texts(
            "Укажите ровно одного плательщика: payerIin (ИИН) или payerBin (БИН)",
            "Бір ғана төлеушіні көрсетіңіз: payerIin (ЖСН) немесе payerBin (БСН)",
            "Give exactly one payer: payerIin (IIN) or payerBin (BIN)",
        ),
        "PAYMENT_NOT_FOUND": Texts(
            "Оплата плательщика за «{purpose}» не найдена",
            "Төлеушінің «{purpose}» үшін төлемі табылмады",
            "No payment by this payer for '{purpose}' was found",
        ),
    }
)


def to_record(invoice: Invoice, now: datetime) -> InvoiceRecord:
    return InvoiceRecord(
        number=invoice.number,
        payer_iin=invoice.payer_iin,
        payer_bin=invoice.payer_bin,
        reference=invoice.reference,
        items=[to_item(i) for i in invoice.items],
        mrp_year=invoice.mrp_year,
        mrp=invoice.mrp,
        total=invoice.total,
        status=invoice.status_at(now),
        created_at=invoice.created_at,
        expires_at=invoice.expires_at,
        paid_at=invoice.paid_at,
        receipt_number=invoice.receipt_number,
        payment_method=invoice.payment_method,
    )


def to_item(item: InvoiceItem) -> ItemRecord:
    return ItemRecord(
        purpose=item.purpose,
        quantity=item.quantity,
        fee_mrp=item.fee_mrp,
        unit_amount=item.unit_amount,
        amount=item.amount,
    )


def _payment_of(invoice: Invoice) -> tuple[str, datetime, PaymentMethod]:
    """Receipt, time and method of a PAID invoice (its check constraint keeps them set)."""
    if invoice.receipt_number is None or invoice.paid_at is None or not invoice.payment_method:
        raise ValueError(f"invoice {invoice.number} is not paid")
    return invoice.receipt_number, invoice.paid_at, invoice.payment_method


def to_payment(invoice: Invoice, replayed: bool) -> PaymentRecord:
    receipt_number, paid_at, method = _payment_of(invoice)
    return PaymentRecord(
        invoice_number=invoice.number,
        receipt_number=receipt_number,
        paid_at=paid_at,
        amount=invoice.total,
        method=method,
        replayed=replayed,
    )


def to_receipt(invoice: Invoice, item: InvoiceItem) -> ReceiptRecord:
    receipt_number, paid_at, method = _payment_of(invoice)
    return ReceiptRecord(
        invoice_number=invoice.number,
        receipt_number=receipt_number,
        paid_at=paid_at,
        method=method,
        reference=invoice.reference,
        quantity=item.quantity,
        amount=item.amount,
    )


def to_mrp(rate: MrpRate) -> MrpRecord:
    return MrpRecord(year=rate.year, amount=rate.amount, verified=rate.verified, source=rate.source)


def to_purpose(purpose: Purpose) -> PurposeRecord:
    return PurposeRecord(
        code=purpose.code,
        name=purpose.name,
        name_kk=purpose.name_kk,
        fee_mrp=purpose.fee_mrp,
        verified=purpose.verified,
        source=purpose.source,
    )


def _one_payer(data: Payer) -> None:
    if data.payer_iin is None and data.payer_bin is None:
        raise Problem("PAYER_REQUIRED", status=422, field=f"{DATA}.payerIin")
    if data.payer_iin is not None and data.payer_bin is not None:
        raise Problem("PAYER_REQUIRED", status=422, field=f"{DATA}.payerBin")


def _not_found(invoice_number: str) -> dict[str, str]:
    return texts_for("INVOICE_NOT_FOUND").render({"invoice_number": invoice_number})


# --- operations on the gateway's sync channel ----------------------------------------------


@provider.operation(CREATE_INVOICE, CreateInvoiceRequest, writes=True)
async def create_invoice_operation(
    data: CreateInvoiceRequest, call: SyncCall
) -> CreateInvoiceAnswer:
    _one_payer(data)
    now = call.clock.now()
    made = await create_invoice(call.session, data, now, field_prefix=DATA)
    return CreateInvoiceAnswer(created=made.created, invoice=to_record(made.invoice, now))


@provider.operation(INVOICE_STATUS, InvoiceStatusRequest)
async def invoice_status(data: InvoiceStatusRequest, call: SyncCall) -> InvoiceStatusAnswer:
    invoice = await InvoiceRepository(call.session).get(data.invoice_number)
    if invoice is None:
        return InvoiceStatusAnswer(
            found=False,
            invoice_number=data.invoice_number,
            code="INVOICE_NOT_FOUND",
            messages=_not_found(data.invoice_number),
        )
    return InvoiceStatusAnswer(
        found=True,
        invoice_number=invoice.number,
        status=invoice.status_at(call.clock.now()),
        total=invoice.total,
        expires_at=invoice.expires_at,
        paid_at=invoice.paid_at,
        receipt_number=invoice.receipt_number,
    )


@provider.operation(PAY, PayRequest, writes=True)
async def pay_operation(data: PayRequest, call: SyncCall) -> PayAnswer:
    paid = await pay(
        call.session,
        data.invoice_number,
        key=data.idempotency_key,
        method=data.method,
        now=call.clock.now(),
        field=f"{DATA}.invoiceNumber",
    )
    if paid is None:
        return PayAnswer(
            found=False, code="INVOICE_NOT_FOUND", messages=_not_found(data.invoice_number)
        )
    return PayAnswer(found=True, payment=to_payment(paid.invoice, paid.replayed))


@provider.operation(CHECK_BY_PAYER_PURPOSE, CheckRequest)
async def check_by_payer_purpose(data: CheckRequest, call: SyncCall) -> CheckAnswer:
    _one_payer(data)
    purposes = await PurposeRepository(call.session).by_codes([data.purpose])
    purpose = purposes.get(data.purpose)
    if purpose is None:
        raise Problem("UNKNOWN_PURPOSE", status=422, field=f"{DATA}.purpose", purpose=data.purpose)
    paid = await InvoiceRepository(call.session).paid_for(
        payer_iin=data.payer_iin,
        payer_bin=data.payer_bin,
        purpose=data.purpose,
        since=start_of_day(data.since) if data.since else None,
    )
    receipts = [to_receipt(invoice, item) for invoice, item in paid]
    answer = CheckAnswer(paid=bool(receipts), purpose=data.purpose, receipts=receipts)
    if not receipts:
        answer.code = "PAYMENT_NOT_FOUND"
        name = {"ru": purpose.name, "kk": purpose.name_kk, "en": purpose.code}
        answer.messages = texts_for("PAYMENT_NOT_FOUND").render({"purpose": name})
    return answer


# --- the payer's REST endpoints (a citizen, or a tester acting as one) ----------------------

public = APIRouter(prefix="/payments", tags=["payments"])

Number = Annotated[str, PathParam(min_length=1, max_length=20, pattern=r"^[0-9A-Z\-]+$")]


@public.post(
    "/invoices/{number}/pay",
    summary="Pay an invoice",
    description="The same `Idempotency-Key` again returns the same receipt (`replayed`); an "
    "invoice paid with another key is 409 ALREADY_PAID, an expired one 409 INVOICE_EXPIRED.",
    responses={404: {"description": "INVOICE_NOT_FOUND: no such number"}},
)
async def pay_invoice(
    number: Number,
    body: PayIn,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=100)],
    clock: BusClock,
    session: DbSession,
) -> PaymentRecord:
    paid = await pay(
        session,
        number,
        key=idempotency_key,
        method=body.method,
        now=clock.now(),
        field="number",
    )
    if paid is None:
        raise NotFound("INVOICE_NOT_FOUND", field="number", invoice_number=number)
    return to_payment(paid.invoice, paid.replayed)


@public.get(
    "/mrp",
    summary="The МРП on a day (Asia/Almaty calendar year); today by default",
    responses={404: {"description": "MRP_NOT_DEFINED: no МРП is set for that year"}},
)
async def mrp_on_date(clock: BusClock, session: DbSession, on: date | None = None) -> MrpOnDate:
    day: date = on or clock.today()
    rate = await MrpRepository(session).get(day.year)
    if rate is None:
        raise NotFound("MRP_NOT_DEFINED", field="on", year=day.year)
    return MrpOnDate(on=day, **to_mrp(rate).model_dump())


@public.get("/purposes", summary="Purposes of payment and their fees in МРП")
async def list_purposes(session: DbSession) -> list[PurposeRecord]:
    return [to_purpose(p) for p in await PurposeRepository(session).all()]


# --- admin API ---------------------------------------------------------------------------

admin = APIRouter(prefix="/admin", tags=["admin: payments"])


async def _existing(repository: InvoiceRepository, number: str) -> Invoice:
    invoice = await repository.get(number)
    if invoice is None:
        raise NotFound("INVOICE_NOT_FOUND", field="number", invoice_number=number)
    return invoice


@admin.get("/invoices", summary="Invoices by payer and status (as of the bus clock)")
async def list_invoices(
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
    payer_iin: Annotated[Iin | None, Query(alias="payerIin")] = None,
    payer_bin: Annotated[Bin | None, Query(alias="payerBin")] = None,
    status: InvoiceStatus | None = None,
) -> list[InvoiceRecord]:
    now = clock.now()
    invoices = await InvoiceRepository(session).listing(
        payer_iin=payer_iin, payer_bin=payer_bin, status=status, now=now
    )
    return [to_record(i, now) for i in invoices]


@admin.get(
    "/invoices/{number}",
    summary="One invoice",
    responses={404: {"description": "INVOICE_NOT_FOUND: no such number"}},
)
async def get_invoice(
    number: Number, _: AdminOnly, clock: BusClock, session: DbSession
) -> InvoiceRecord:
    invoice = await _existing(InvoiceRepository(session), number)
    return to_record(invoice, clock.now())


@admin.post(
    "/invoices/{number}/cancel",
    summary="Cancel an unpaid (or expired) invoice; a cancelled one stays as it is",
    responses={404: {"description": "INVOICE_NOT_FOUND: no such number"}},
)
async def cancel_invoice(
    number: Number, _: AdminOnly, clock: BusClock, session: DbSession
) -> InvoiceRecord:
    repository = InvoiceRepository(session)
    now = clock.now()
    await repository.cancel(number, now)
    invoice = await _existing(repository, number)
    if invoice.status_at(now) is InvoiceStatus.PAID:
        raise Conflict("ALREADY_PAID", field="number", invoice_number=number)
    return to_record(invoice, now)


@admin.get("/mrp", summary="The МРП table")
async def list_mrp(_: AdminOnly, session: DbSession) -> list[MrpRecord]:
    return [to_mrp(r) for r in await MrpRepository(session).all()]


@admin.put("/mrp/{year}", summary="Set the МРП of a year (new invoices are priced with it)")
async def put_mrp(
    year: Annotated[int, PathParam(ge=1992, le=2100)],
    body: MrpIn,
    _: AdminOnly,
    session: DbSession,
) -> MrpRecord:
    rate = await MrpRepository(session).save(MrpRate(year=year, **body.model_dump()))
    return to_mrp(rate)
