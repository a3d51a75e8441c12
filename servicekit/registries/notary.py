"""ЕНИС, the notaries' register: the power of attorney by which a representative acts (M6.1,
M10.2)."""

from __future__ import annotations

from datetime import date, datetime

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

ENIS = "ЕНИС"


class PowerOfAttorneyRequest(RegistryRequest):
    principal_iin: str
    representative_iin: str
    number: str | None = None
    """That one document, as the representative presents it."""


class Notary(RegistryAnswer):
    name: str
    licence: str


class Party(RegistryAnswer):
    iin: str
    name: str


class PowerOfAttorney(RegistryAnswer):
    number: str
    status: str
    status_label: str
    notary: Notary
    principal: Party
    representative: Party
    issued_on: date
    valid_until: date
    powers: list[str]
    revoked_at: datetime | None = None
    revocation_reason: str | None = None


class PowerOfAttorneyAnswer(LookupAnswer):
    found: bool
    valid: bool
    """The representative may register machinery for the principal (M6.1)."""
    power_of_attorney: PowerOfAttorney | None = None


POWER_OF_ATTORNEY = Operation(
    "NOTARY_PowerOfAttorney", ENIS, PowerOfAttorneyRequest, PowerOfAttorneyAnswer
)
