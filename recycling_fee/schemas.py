"""The contract of the recycling fee registry: the `data` of the gateway's envelope, and the
admin API's bodies. Amounts are whole tenge (₸)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from recycling_fee.models import FeeStatus, PayerRole
from servicekit.identifiers import Bin, Vin

VehicleCategory = Annotated[str, StringConstraints(pattern=r"^(L[1-7]|M[1-3]|N[1-3]|O[1-4])G?$")]
"""Technical-regulation category: M1 passenger car, N1 light truck…; G for off-road."""
CertificateNumber = Annotated[str, StringConstraints(pattern=r"^ЖД-РОП-\d{4}-[0-9A-Z]{7}$")]
"""The operator's confirmation of payment, the mark the ЭПТС carries: ЖД-РОП-2026-0100201."""


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class FeeRequest(Contract):
    """`RECYCLING_FeeByVin`: the recycling fee of a vehicle by VIN."""

    vin: Vin


class Payer(Contract):
    bin: Bin
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    role: PayerRole


class Fee(Contract):
    payer: Payer
    vehicle_category: str
    engine_volume_cc: int | None
    base_rate_mrp: int
    """The base rate in МРП (50), multiplied by the coefficient."""
    coefficient: float
    mrp_year: int
    mrp: int
    """The МРП of `mrpYear` in tenge."""
    amount: int
    """baseRateMrp × coefficient × mrp, rounded to whole tenge."""
    currency: str = "KZT"
    status: FeeStatus
    obligation_date: date
    payment_date: date | None
    certificate_number: str | None


class FeeAnswer(Contract):
    """`found` false: there is no recycling fee record of this VIN (with `code` and
    `messages`). Found and unpaid: `paid` false with `code`. Neither is a fault."""

    vin: str
    vin_check_digit_valid: bool
    """ISO 3779 check digit at position 9; flagged, never a reason to refuse."""
    found: bool
    paid: bool
    fee: Fee | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class FeeIn(Contract):
    """Admin API: the recycling fee of one VIN (the VIN is in the path). The МРП and the
    amount are computed: from the payment year when paid, else from the obligation year."""

    payer: Payer
    vehicle_category: VehicleCategory
    engine_volume_cc: Annotated[int, Field(ge=50, le=30000)] | None = None
    coefficient: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
    obligation_date: date
    status: FeeStatus
    payment_date: date | None = None
    """Set exactly when the status is PAID, as is `certificateNumber`."""
    certificate_number: CertificateNumber | None = None


class FeeEntry(Fee):
    """Admin API: a record as stored, with its VIN and when it was last written."""

    vin: str
    updated_at: datetime
