"""The contract of ЭПТС / ЭПСМ: the operations' data and the admin API's passports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from eps_passports.models import ConformityDocumentType, EngineType, PassportKind, PassportStatus
from servicekit.identifiers import Bin, Iin, Vin


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def _passport_number(value: str) -> str:
    if len(value) != 15 or not value.isascii() or not value.isdigit() or value[0] not in "123":
        raise PydanticCustomError("PASSPORT_NUMBER_FORMAT", "PASSPORT_NUMBER_FORMAT")
    return value


PassportNumber = Annotated[str, AfterValidator(_passport_number)]
"""15 digits: kind (1 ЭПТС, 2 ЭПШТС, 3 ЭПСМ), ISO 3166 numeric country, issuer and sequence."""

Text = Annotated[str, Field(min_length=1, max_length=200)]


class PassportRequest(Contract):
    """`EPTS_PassportByVin` / `EPSM_PassportByVin`: a passport by VIN."""

    vin: Vin


class Engine(Contract):
    type: EngineType
    model: Annotated[str, Field(max_length=100)] | None = None
    volume_cc: Annotated[int, Field(ge=1, le=100_000)] | None = None
    """None for an electric motor."""
    power_kw: Annotated[float, Field(gt=0, le=5_000)]


class ConformityDocument(Contract):
    """ОТТС or СБКТС for a vehicle, a ТР ТС certificate for a machine."""

    type: ConformityDocumentType
    number: Annotated[str, Field(min_length=1, max_length=60)]
    issue_date: date


class Manufacturer(Contract):
    bin: Bin | None = None
    """Only a Kazakh manufacturer has a БИН."""
    name: Text
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    """ISO 3166 alpha-2."""


class Owner(Contract):
    """A person (ИИН) or a legal entity (БИН): exactly one of the two."""

    iin: Iin | None = None
    bin: Bin | None = None
    name: Text

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        if (self.iin is None) == (self.bin is None):
            raise PydanticCustomError("PASSPORT_OWNER_IDENTIFIER", "PASSPORT_OWNER_IDENTIFIER")
        return self


class CustomsMarks(Contract):
    declaration_number: Annotated[str, Field(max_length=40)] | None = None
    """The goods declaration of an imported vehicle; None for one made in Kazakhstan."""
    restrictions: bool
    """Customs restrictions on disposal are in force (conditional release)."""


class PassportIn(Contract):
    """A passport as the admin API takes it (its number is in the path)."""

    kind: PassportKind
    status: PassportStatus
    status_reason: Annotated[str, Field(max_length=300)] | None = None
    vin: Vin
    make: Annotated[str, Field(min_length=1, max_length=100)]
    commercial_name: Annotated[str, Field(min_length=1, max_length=100)]
    category: Annotated[str, Field(min_length=1, max_length=20)]
    """M1, N1… for ЭПТС/ЭПШТС; TRACTOR, COMBINE, TRAILER, ROAD_BUILDING, SPECIAL for ЭПСМ."""
    year_of_manufacture: Annotated[int, Field(ge=1900, le=2100)]
    engine: Engine | None
    """None for a trailer."""
    eco_class: Annotated[str, Field(max_length=20)] | None = None
    colour: Annotated[str, Field(max_length=50)] | None = None
    conformity_document: ConformityDocument
    manufacturer: Manufacturer
    owner: Owner | None
    """None for a new vehicle not yet sold to anyone."""
    customs: CustomsMarks
    recycling_fee_mark: Annotated[str, Field(max_length=60)] | None = None
    """The record of the paid recycling fee (Жасыл даму); None while unpaid."""
    issued_by: Text
    issue_date: date


class PassportRecord(PassportIn):
    number: str
    kind_label: str
    status_label: str
    category_label: str


class PassportAnswer(Contract):
    """Found: `found` is true and `passport` is set. Not found is an answer too, not a fault.

    `vinCheckDigitValid` reports the ISO 3779 check digit (position 9): a mismatch is a flag,
    never a refusal."""

    found: bool
    vin: str
    vin_check_digit_valid: bool
    passport: PassportRecord | None = None
    code: str | None = None
    messages: dict[str, str] | None = None
