"""ПШЭП, the payment gateway: an invoice for the fees (V17, M6.3), its status (V17), and the
payments of a payer for a purpose (M6.3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Self

from pydantic import model_validator

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

PAYMENTS = "ПШЭП"


class Item(RegistryRequest):
    purpose: str
    quantity: int | None = None
    """One when not sent."""


class CreateInvoiceRequest(RegistryRequest):
    """Exactly one of `payerIin` and `payerBin`. The same key again gets the same invoice."""

    payer_iin: str | None = None
    payer_bin: str | None = None
    items: list[Item]
    reference: str | None = None
    idempotency_key: str


class InvoiceItem(RegistryAnswer):
    purpose: str
    quantity: int
    fee_mrp: Decimal
    unit_amount: int
    amount: int


class Invoice(RegistryAnswer):
    number: str
    payer_iin: str | None = None
    payer_bin: str | None = None
    reference: str | None = None
    items: list[InvoiceItem]
    mrp_year: int
    mrp: int
    total: int
    currency: str
    status: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    receipt_number: str | None = None
    payment_method: str | None = None


class CreateInvoiceAnswer(RegistryAnswer):
    created: bool
    """False: the invoice of an earlier call with this key."""
    invoice: Invoice


CREATE_INVOICE = Operation(
    "PAYMENTS_CreateInvoice", PAYMENTS, CreateInvoiceRequest, CreateInvoiceAnswer
)


class InvoiceStatusRequest(RegistryRequest):
    invoice_number: str


class InvoiceStatusAnswer(LookupAnswer):
    found: bool
    invoice_number: str
    status: str | None = None
    """ISSUED, PAID, EXPIRED, CANCELLED; none when not found."""
    total: int | None = None
    expires_at: datetime | None = None
    paid_at: datetime | None = None
    receipt_number: str | None = None

    @model_validator(mode="after")
    def _paid_when(self) -> Self:
        if (self.status == "PAID") != (self.paid_at is not None):
            raise ValueError("a paid invoice, and only a paid one, has `paidAt`")
        return self


INVOICE_STATUS = Operation(
    "PAYMENTS_InvoiceStatus", PAYMENTS, InvoiceStatusRequest, InvoiceStatusAnswer
)


class CheckRequest(RegistryRequest):
    """Exactly one of `payerIin` and `payerBin`."""

    payer_iin: str | None = None
    payer_bin: str | None = None
    purpose: str
    since: date | None = None


class Receipt(RegistryAnswer):
    invoice_number: str
    receipt_number: str
    paid_at: datetime
    method: str
    reference: str | None = None
    """The invoice's reference: the application it was made for, if any."""
    quantity: int
    amount: int


class CheckAnswer(LookupAnswer):
    paid: bool
    purpose: str
    receipts: list[Receipt]


PAID_FOR_PURPOSE = Operation("PAYMENTS_CheckByPayerPurpose", PAYMENTS, CheckRequest, CheckAnswer)
