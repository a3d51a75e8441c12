"""Жасыл даму, the recycling fee of a vehicle by VIN (V5)."""

from __future__ import annotations

from datetime import date

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

RECYCLING = "Жасыл даму (утильплатёж)"


class FeeRequest(RegistryRequest):
    vin: str


class Payer(RegistryAnswer):
    bin: str
    name: str
    role: str


class Fee(RegistryAnswer):
    payer: Payer
    vehicle_category: str
    engine_volume_cc: int | None = None
    base_rate_mrp: int
    coefficient: float
    mrp_year: int
    mrp: int
    amount: int
    currency: str
    status: str
    obligation_date: date
    payment_date: date | None = None
    certificate_number: str | None = None


class FeeAnswer(LookupAnswer):
    vin: str
    vin_check_digit_valid: bool
    found: bool
    paid: bool
    fee: Fee | None = None


FEE_BY_VIN = Operation("RECYCLING_FeeByVin", RECYCLING, FeeRequest, FeeAnswer)
