"""What ПШЭП does with invoices, whichever door the call comes in by (the gateway's
operations, the citizen's REST endpoint, the admin API): price, create, pay, cancel.

Amounts: a purpose's fee is in МРП; the invoice is priced with the МРП of the calendar year
(Asia/Almaty) of its creation, each unit rounded to whole ₸ half up, and stays as priced.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from payments.models import Invoice, InvoiceItem, InvoiceState, MrpRate, PaymentMethod, Purpose
from payments.repository import InvoiceRepository, MrpRepository, PurposeRepository
from payments.schemas import CreateInvoiceRequest, ItemIn
from servicekit.clock import ALMATY
from servicekit.errors import Conflict, Problem

INVOICE_LIFETIME = timedelta(days=3)
"""How long an invoice can be paid: this project's model (ПШЭП's real term is not known)."""


def mrp_year(moment: datetime) -> int:
    """The calendar year whose МРП applies at `moment`: the year in Asia/Almaty, so an
    invoice made at 00:30 on 1 January local time (19:30 UTC the day before) is priced with
    the new year's МРП."""
    return moment.astimezone(ALMATY).year


def unit_amount(fee_mrp: Decimal, mrp: int) -> int:
    """₸ per unit. Half up, per unit: with the 2020 МРП (2 778) the registration, certificate
    and plate come to the 11 946 ₸ kz-reference §6 checks; half even would give 11 944."""
    return int((fee_mrp * mrp).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price(
    invoice_number: str, items: Sequence[ItemIn], purposes: dict[str, Purpose], mrp: int
) -> list[InvoiceItem]:
    priced = []
    for position, item in enumerate(items, start=1):
        fee = purposes[item.purpose].fee_mrp
        unit = unit_amount(fee, mrp)
        priced.append(
            InvoiceItem(
                invoice_number=invoice_number,
                position=position,
                purpose=item.purpose,
                quantity=item.quantity,
                fee_mrp=fee,
                unit_amount=unit,
                amount=unit * item.quantity,
            )
        )
    return priced


def new_invoice_number(now: datetime) -> str:
    """Sixteen digits: the local date (yymmdd) and ten random ones; the primary key catches
    the one-in-ten-billion repeat within a day."""
    return f"{now.astimezone(ALMATY):%y%m%d}{secrets.randbelow(10**10):010d}"


def new_receipt_number(now: datetime) -> str:
    return f"R{now.astimezone(ALMATY):%y%m%d}{secrets.randbelow(10**9):09d}"


def request_digest(request: CreateInvoiceRequest) -> str:
    """What the key stands for: the request without the key, in a canonical form."""
    data = request.model_dump(mode="json", by_alias=True, exclude={"idempotency_key"})
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def start_of_day(day: date) -> datetime:
    """The instant a local (Asia/Almaty) calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=ALMATY)


async def mrp_on(session: AsyncSession, moment: datetime) -> MrpRate:
    year = mrp_year(moment)
    rate = await MrpRepository(session).get(year)
    if rate is None:
        raise Conflict("MRP_NOT_DEFINED", year=year)
    return rate


@dataclass(frozen=True, slots=True)
class Created:
    invoice: Invoice
    created: bool


async def create_invoice(
    session: AsyncSession, request: CreateInvoiceRequest, now: datetime, *, field_prefix: str
) -> Created:
    """A new invoice, or the one an earlier call with the same key made."""
    repository = InvoiceRepository(session)
    digest = request_digest(request)
    earlier = await repository.by_idempotency_key(request.idempotency_key)
    if earlier is not None:
        return Created(_same_request(earlier, digest, field_prefix), created=False)
    purposes = await PurposeRepository(session).by_codes(i.purpose for i in request.items)
    for index, item in enumerate(request.items):
        if item.purpose not in purposes:
            raise Problem(
                "UNKNOWN_PURPOSE",
                status=422,
                field=f"{field_prefix}.items[{index}].purpose",
                purpose=item.purpose,
            )
    rate = await mrp_on(session, now)
    number = new_invoice_number(now)
    items = price(number, request.items, purposes, rate.amount)
    values: dict[str, Any] = {
        "number": number,
        "payer_iin": request.payer_iin,
        "payer_bin": request.payer_bin,
        "reference": request.reference,
        "idempotency_key": request.idempotency_key,
        "request_digest": digest,
        "created_at": now,
        "expires_at": now + INVOICE_LIFETIME,
        "mrp_year": rate.year,
        "mrp": rate.amount,
        "total": sum(i.amount for i in items),
        "status": InvoiceState.UNPAID,
    }
    if await repository.insert_if_new(values, items):
        invoice = await repository.get(number)
        created = True
    else:
        # A concurrent call with the same key committed its invoice first: that one stands.
        invoice = await repository.by_idempotency_key(request.idempotency_key)
        created = False
    if invoice is None:
        raise RuntimeError(f"invoice {number} vanished within its own transaction")
    return Created(_same_request(invoice, digest, field_prefix), created=created)


def _same_request(invoice: Invoice, digest: str, field_prefix: str) -> Invoice:
    if invoice.request_digest != digest:
        raise Conflict(
            "INVOICE_IDEMPOTENCY_KEY_REUSED",
            field=f"{field_prefix}.idempotencyKey",
            invoice_number=invoice.number,
        )
    return invoice


@dataclass(frozen=True, slots=True)
class Paid:
    invoice: Invoice
    replayed: bool


async def pay(
    session: AsyncSession,
    number: str,
    *,
    key: str,
    method: PaymentMethod,
    now: datetime,
    field: str,
) -> Paid | None:
    """Pay an invoice once; None if there is no such invoice.

    The conditional UPDATE goes first and alone decides who pays: whatever is read after it
    only explains why it changed nothing (paid by this key before, by another, expired…).
    """
    repository = InvoiceRepository(session)
    won = await repository.mark_paid(
        number, key=key, method=method, receipt_number=new_receipt_number(now), at=now
    )
    invoice = await repository.get(number)
    if invoice is None:
        return None
    if won:
        return Paid(invoice, replayed=False)
    if invoice.status is InvoiceState.PAID:
        if invoice.payment_key == key:
            return Paid(invoice, replayed=True)
        raise Conflict(
            "ALREADY_PAID",
            field=field,
            invoice_number=number,
            extra={"receiptNumber": invoice.receipt_number},
        )
    if invoice.status is InvoiceState.CANCELLED:
        raise Conflict("INVOICE_CANCELLED", field=field, invoice_number=number)
    raise Conflict(
        "INVOICE_EXPIRED",
        field=field,
        invoice_number=number,
        expires_at=f"{invoice.expires_at.astimezone(ALMATY):%d.%m.%Y %H:%M}",
    )
