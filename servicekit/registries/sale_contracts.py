"""The system of electronic contracts (ЭДО): the sale contract of a vehicle between a seller
and a buyer (V8, V13)."""

from __future__ import annotations

from datetime import date, datetime

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

EDO = "система электронных договоров"


class SaleContractRequest(RegistryRequest):
    vin: str
    seller_bin: str
    buyer_iin: str


class Seller(RegistryAnswer):
    bin: str
    name: str


class Buyer(RegistryAnswer):
    iin: str
    name: str


class Vehicle(RegistryAnswer):
    vin: str
    make: str
    model: str
    year_of_manufacture: int


class Signature(RegistryAnswer):
    signed_at: datetime
    signer_iin: str


class SaleContract(RegistryAnswer):
    number: str
    status: str
    """DRAFT, SIGNED_BY_SELLER, SIGNED_BY_BOTH or ANNULLED."""
    status_label: str
    contract_date: date
    price_kzt: int
    seller: Seller
    buyer: Buyer
    vehicle: Vehicle
    seller_signature: Signature | None = None
    buyer_signature: Signature | None = None
    annulled_at: datetime | None = None
    seller_signed: bool
    buyer_signed: bool


class SaleContractAnswer(LookupAnswer):
    found: bool
    vin_check_digit_valid: bool
    contract: SaleContract | None = None


SALE_CONTRACT = Operation("EDO_SaleContract", EDO, SaleContractRequest, SaleContractAnswer)
