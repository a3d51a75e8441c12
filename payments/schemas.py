"""The contract of ПШЭП (the `data` of the gateway's envelope, the citizen's and admin API)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from payments.models import InvoiceStatus, PaymentMethod
from servicekit.identifiers import Bin, Iin

InvoiceNumber = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9A-Z\-]+$")]
PurposeCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Z][A-Z0-9_]*$")]
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=100)]


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Payer(Contract):
    """Exactly one of `payerIin` (a person) and `payerBin` (a legal entity); the operations
    check that (PAYER_REQUIRED), so that the problem names the field to fill or to drop."""

    payer_iin: Iin | None = None
    payer_bin: Bin | None = None


class ItemIn(Contract):
    purpose: PurposeCode
    quantity: int = Field(default=1, ge=1, le=100)


class CreateInvoiceRequest(Payer):
    """`PAYMENTS_CreateInvoice`. The same `idempotencyKey` again returns the invoice made the
    first time (`created` false); with other data it is refused (INVOICE_IDEMPOTENCY_KEY_REUSED)."""

    items: list[ItemIn] = Field(min_length=1, max_length=20)
    reference: str | None = Field(
        default=None, max_length=64, description="the caller's reference, e.g. the application"
    )
    idempotency_key: IdempotencyKey


class ItemRecord(Contract):
    purpose: str = Field(description="its names are in GET /payments/purposes")
    quantity: int
    fee_mrp: Decimal = Field(description="the fee per unit in МРП (a decimal, as a string)")
    unit_amount: int = Field(description="₸ per unit: feeMrp × МРП, rounded half up")
    amount: int = Field(description="₸: unitAmount × quantity")


class InvoiceRecord(Contract):
    number: str
    payer_iin: str | None
    payer_bin: str | None
    reference: str | None
    items: list[ItemRecord]
    mrp_year: int
    mrp: int = Field(description="₸: the МРП of the invoice date's year (Asia/Almaty)")
    total: int = Field(description="₸")
    currency: str = "KZT"
    status: InvoiceStatus
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    receipt_number: str | None
    payment_method: PaymentMethod | None


class CreateInvoiceAnswer(Contract):
    created: bool = Field(description="false: the invoice of an earlier call with this key")
    invoice: InvoiceRecord


class InvoiceStatusRequest(Contract):
    """`PAYMENTS_InvoiceStatus`."""

    invoice_number: InvoiceNumber


class InvoiceStatusAnswer(Contract):
    """Not found is an answer (`found` false, code INVOICE_NOT_FOUND)."""

    found: bool
    invoice_number: str
    status: InvoiceStatus | None = None
    total: int | None = None
    expires_at: datetime | None = None
    paid_at: datetime | None = None
    receipt_number: str | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class PayRequest(Contract):
    """`PAYMENTS_Pay`. The same `idempotencyKey` again returns the same receipt (`replayed`)."""

    invoice_number: InvoiceNumber
    idempotency_key: IdempotencyKey
    method: PaymentMethod


class PayIn(Contract):
    """`POST /payments/invoices/{number}/pay` (the key is the `Idempotency-Key` header)."""

    method: PaymentMethod


class PaymentRecord(Contract):
    invoice_number: str
    receipt_number: str
    paid_at: datetime
    amount: int = Field(description="₸, the invoice total")
    method: PaymentMethod
    replayed: bool = Field(description="true: paid by an earlier call with this key")


class PayAnswer(Contract):
    """Not found is an answer (`found` false, code INVOICE_NOT_FOUND); a paid, expired or
    cancelled invoice is a 409 problem (ALREADY_PAID, INVOICE_EXPIRED, INVOICE_CANCELLED)."""

    found: bool
    payment: PaymentRecord | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class CheckRequest(Payer):
    """`PAYMENTS_CheckByPayerPurpose` (M6.3: are the fees and duties paid?)."""

    purpose: PurposeCode
    since: date | None = Field(
        default=None, description="only payments on or after this day (Asia/Almaty)"
    )


class ReceiptRecord(Contract):
    invoice_number: str
    receipt_number: str
    paid_at: datetime
    method: PaymentMethod
    reference: str | None
    quantity: int
    amount: int = Field(description="₸ paid for this purpose on this invoice")


class CheckAnswer(Contract):
    """`paid` false is an answer too, with code PAYMENT_NOT_FOUND."""

    paid: bool
    purpose: str
    receipts: list[ReceiptRecord]
    code: str | None = None
    messages: dict[str, str] | None = None


class MrpRecord(Contract):
    year: int
    amount: int = Field(description="₸")
    verified: bool = Field(description="false: not checked against the budget law")
    source: str


class MrpOnDate(MrpRecord):
    on: date


class MrpIn(Contract):
    amount: int = Field(gt=0, le=1_000_000)
    verified: bool = False
    source: str = Field(default="admin API", min_length=1, max_length=300)


class PurposeRecord(Contract):
    code: str
    name: str
    name_kk: str
    fee_mrp: Decimal
    verified: bool = Field(description="false: this project's model, not a sourced rate")
    source: str
