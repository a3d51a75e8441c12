"""The contract of the sale-contract registry: the operation's data and the admin API's
contracts."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from sale_contracts.models import ContractStatus
from servicekit.identifiers import Bin, Iin, Vin


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def _contract_number(value: str) -> str:
    if not 3 <= len(value) <= 32 or not all(
        c.isascii() and (c.isupper() or c.isdigit() or c == "-") for c in value
    ):
        raise PydanticCustomError("CONTRACT_NUMBER_FORMAT", "CONTRACT_NUMBER_FORMAT")
    return value


ContractNumber = Annotated[str, AfterValidator(_contract_number)]
"""3–32 characters of A–Z, 0–9 and '-', as the ЭДО system numbers them (SC-2026-000201)."""

Text = Annotated[str, Field(min_length=1, max_length=200)]


class SaleContractRequest(Contract):
    """`EDO_SaleContract`: the contract for this vehicle between this seller and this buyer."""

    vin: Vin
    seller_bin: Bin
    buyer_iin: Iin


class Seller(Contract):
    bin: Bin
    name: Text


class Buyer(Contract):
    iin: Iin
    name: Text


class Vehicle(Contract):
    vin: Vin
    make: Annotated[str, Field(min_length=1, max_length=100)]
    model: Annotated[str, Field(min_length=1, max_length=100)]
    year_of_manufacture: Annotated[int, Field(ge=1900, le=2100)]


class Signature(Contract):
    signed_at: AwareDatetime
    signer_iin: Iin
    """Whose ЭЦП signed: the seller's employee, or the buyer himself."""


class ContractIn(Contract):
    """A contract as the admin API takes it (its number is in the path)."""

    contract_date: date
    price_kzt: Annotated[int, Field(ge=1, le=10**12)]
    """The price in tenge (₸), whole tenge."""
    seller: Seller
    buyer: Buyer
    vehicle: Vehicle
    seller_signature: Signature | None = None
    buyer_signature: Signature | None = None
    annulled_at: AwareDatetime | None = None


class ContractRecord(ContractIn):
    number: str
    status: ContractStatus
    """Follows from the signatures: DRAFT, SIGNED_BY_SELLER, SIGNED_BY_BOTH, or ANNULLED."""
    status_label: str
    seller_signed: bool
    buyer_signed: bool


class SaleContractAnswer(Contract):
    """Found: `found` is true and `contract` is set (its status and both signature flags
    tell whether V8/V13 pass). Not found is an answer too, not a fault.

    `vinCheckDigitValid` reports the ISO 3779 check digit (position 9): a mismatch is a flag,
    never a refusal."""

    found: bool
    vin_check_digit_valid: bool
    contract: ContractRecord | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class Party(StrEnum):
    SELLER = "seller"
    BUYER = "buyer"


class SignIn(Contract):
    """A signature to add through the admin API, at the bus clock's time."""

    party: Party
    signer_iin: Iin
