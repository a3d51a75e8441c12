"""ЭПТС and ЭПСМ, the electronic passports of vehicles (V3, V12) and of machines (M10.1): a
passport by VIN (or a machine's factory number)."""

from __future__ import annotations

from datetime import date

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

EPTS, EPSM = "ЭПТС", "ЭПСМ"


class PassportRequest(RegistryRequest):
    vin: str


class Engine(RegistryAnswer):
    type: str
    model: str | None = None
    volume_cc: int | None = None
    """None for an electric motor."""
    power_kw: float


class ConformityDocument(RegistryAnswer):
    type: str
    number: str
    issue_date: date


class Manufacturer(RegistryAnswer):
    bin: str | None = None
    name: str
    country: str
    """ISO 3166 alpha-2."""


class Owner(RegistryAnswer):
    iin: str | None = None
    bin: str | None = None
    name: str


class CustomsMarks(RegistryAnswer):
    declaration_number: str | None = None
    restrictions: bool


class Passport(RegistryAnswer):
    number: str
    kind: str
    kind_label: str
    status: str
    """VALID, or why it is not."""
    status_label: str
    status_reason: str | None = None
    vin: str
    make: str
    commercial_name: str
    category: str
    category_label: str
    year_of_manufacture: int
    engine: Engine | None = None
    """None for a trailer."""
    eco_class: str | None = None
    colour: str | None = None
    conformity_document: ConformityDocument
    manufacturer: Manufacturer
    owner: Owner | None = None
    customs: CustomsMarks
    recycling_fee_mark: str | None = None
    issued_by: str
    issue_date: date


class PassportAnswer(LookupAnswer):
    found: bool
    vin: str
    vin_check_digit_valid: bool
    """A wrong check digit is flagged, never refused."""
    passport: Passport | None = None


VEHICLE_PASSPORT = Operation("EPTS_PassportByVin", EPTS, PassportRequest, PassportAnswer)
MACHINE_PASSPORT = Operation("EPSM_PassportByVin", EPSM, PassportRequest, PassportAnswer)
