"""КГД, the customs payments of a vehicle by VIN (V4)."""

from __future__ import annotations

from datetime import date

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

CUSTOMS = "КГД (таможенные платежи)"


class PaymentsRequest(RegistryRequest):
    vin: str


class Declaration(RegistryAnswer):
    declaration_number: str
    declaration_date: date
    goods_kind: str
    origin_country: str
    currency: str
    customs_value: int
    duty: int
    vat: int
    excise: int
    customs_fee: int
    total: int
    paid_amount: int
    outstanding: int
    payment_status: str
    payment_date: date | None = None


class PaymentsAnswer(LookupAnswer):
    vin: str
    vin_check_digit_valid: bool
    found: bool
    paid: bool
    declaration: Declaration | None = None


PAYMENTS_BY_VIN = Operation("CUSTOMS_PaymentsByVin", CUSTOMS, PaymentsRequest, PaymentsAnswer)
