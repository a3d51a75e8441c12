"""The contract of ЕНИС: the operation's data and the admin API's contracts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from notary.models import Power, PowerStatus
from servicekit.identifiers import Iin


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def _power_of_attorney_number(value: str) -> str:
    if not 3 <= len(value) <= 32 or not all(
        c.isascii() and (c.isupper() or c.isdigit() or c == "-") for c in value
    ):
        raise PydanticCustomError(
            "POWER_OF_ATTORNEY_NUMBER_FORMAT", "POWER_OF_ATTORNEY_NUMBER_FORMAT"
        )
    return value


PowerOfAttorneyNumber = Annotated[str, AfterValidator(_power_of_attorney_number)]
"""3–32 characters of A–Z, 0–9 and '-', as ЕНИС registers them (POA-2025-000118)."""

Text = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=300)]


def _distinct(powers: list[Power]) -> list[Power]:
    if len(set(powers)) != len(powers):
        raise PydanticCustomError("INVALID_VALUE", "a power is listed twice")
    return powers


POWERS_DESCRIPTION = (
    "What the representative may do for the principal: `MACHINERY_REGISTRATION` (register, "
    "re-register and deregister tractors, self-propelled machines and their trailers, receive "
    "their technical passport and plates), `VEHICLE_REGISTRATION` (register vehicles with the "
    "police, receive the СРТС and plates), `VEHICLE_SALE` (sell or give away a vehicle), "
    "`REAL_ESTATE`, `BANK_ACCOUNTS`, `COURT` (represent in court)"
)


class PowerOfAttorneyRequest(Contract):
    """`NOTARY_PowerOfAttorney`: the power of attorney by which this representative acts for
    this principal; with `number`, that one document."""

    principal_iin: Iin
    """The represented person (доверитель)."""
    representative_iin: Iin
    """The person who acts for the principal (представитель)."""
    number: PowerOfAttorneyNumber | None = None
    """The registration number of the power of attorney in ЕНИС, as the representative
    presents it."""


class Notary(Contract):
    name: Text
    licence: Annotated[str, Field(min_length=1, max_length=50)]
    """The notary's licence number (Министерство юстиции РК)."""


class Person(Contract):
    iin: Iin
    name: Text


class PowerOfAttorneyIn(Contract):
    """A power of attorney as the admin API takes it (its number is in the path)."""

    notary: Notary
    principal: Person
    representative: Person
    issued_on: date
    valid_until: date
    """The last day it serves (inclusive)."""
    powers: Annotated[
        list[Power],
        Field(min_length=1, max_length=len(Power), description=POWERS_DESCRIPTION),
        AfterValidator(_distinct),
    ]
    revoked_at: AwareDatetime | None = None
    revocation_reason: Reason | None = None


class PowerOfAttorneyRecord(PowerOfAttorneyIn):
    number: str
    status: PowerStatus
    """At the bus clock: REVOKED once a revocation is recorded, else EXPIRED after
    `validUntil` (the bus clock's date in Almaty), else ACTIVE."""
    status_label: str


class PowerOfAttorneyAnswer(Contract):
    """Found: `found` is true and `powerOfAttorney` is set. Not found is an answer too
    (`found` false, code POWER_OF_ATTORNEY_NOT_FOUND), never a fault.

    `valid` says whether the representative may register machinery for the principal (M6.1):
    the power of attorney is found, ACTIVE, in force at the bus clock's date in Almaty
    (`issuedOn` ≤ today ≤ `validUntil`) and grants `MACHINERY_REGISTRATION`. When it is found
    and not valid, `code` and `messages` say why: POWER_OF_ATTORNEY_REVOKED, …_EXPIRED,
    …_NOT_YET_VALID or …_NO_MACHINERY_POWERS."""

    found: bool
    valid: bool
    power_of_attorney: PowerOfAttorneyRecord | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class RevokeIn(Contract):
    """A revocation to record through the admin API, at the bus clock's time."""

    reason: Reason | None = None
