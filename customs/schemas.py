"""The contract of the customs registry: the `data` of the gateway's envelope, and the admin
API's bodies. Amounts are whole tenge (₸)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from customs.models import GoodsKind, PaymentStatus
from servicekit.identifiers import Bin, Iin, Vin

Tenge = Annotated[int, Field(ge=0, le=10**12)]
DeclarationNumber = Annotated[str, StringConstraints(pattern=r"^\d{8}/\d{6}/\d{7}$")]
"""ДТ registration number: customs body code (8 digits) / date DDMMYY / serial (7 digits)."""


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class PaymentsRequest(Contract):
    """`CUSTOMS_PaymentsByVin`: the customs payments of a vehicle by VIN."""

    vin: Vin


class CustomsPost(Contract):
    code: Annotated[str, StringConstraints(pattern=r"^\d{8}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    name_kk: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Payer(Contract):
    """Who paid: a legal entity (БИН) or a person (ИИН), exactly one of them."""

    bin: Bin | None = None
    iin: Iin | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class Declaration(Contract):
    declaration_number: str
    declaration_date: date
    goods_kind: GoodsKind
    customs_post: CustomsPost
    origin_country: str
    currency: str = "KZT"
    customs_value: int
    duty: int
    vat: int
    excise: int
    customs_fee: int
    total: int
    """duty + vat + excise + customsFee: what is due."""
    paid_amount: int
    outstanding: int
    payment_status: PaymentStatus
    payment_date: date | None
    payer: Payer


class PaymentsAnswer(Contract):
    """`found` false: there is no customs record of this VIN (with `code` and `messages`).
    Found and not fully paid: `paid` is false and `code` says why. Neither is a fault."""

    vin: str
    vin_check_digit_valid: bool
    """ISO 3779 check digit at position 9; flagged, never a reason to refuse."""
    found: bool
    paid: bool
    declaration: Declaration | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class DeclarationIn(Contract):
    """Admin API: the customs record of one VIN (the VIN is in the path)."""

    declaration_number: DeclarationNumber
    declaration_date: date
    """Must be the date in the middle of the declaration number."""
    goods_kind: GoodsKind
    customs_post: CustomsPost
    origin_country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    customs_value: Tenge
    duty: Tenge
    vat: Tenge
    excise: Tenge
    customs_fee: Tenge
    paid_amount: Tenge
    """At most the total due; the status follows from it."""
    payment_date: date | None = None
    """Set exactly when something was paid."""
    payer: Payer


class DeclarationEntry(Declaration):
    """Admin API: a record as stored, with its VIN and when it was last written."""

    vin: str
    updated_at: datetime
