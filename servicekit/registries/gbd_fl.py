"""ГБД ФЛ, the state database of persons: a person by ИИН (V7, V11, V20, V21, M6.1, M10.2) and
the face check of a live photo (M6.1)."""

from __future__ import annotations

from datetime import date

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

GBD_FL = "ГБД ФЛ"


class PersonRequest(RegistryRequest):
    iin: str


class KazakhNames(RegistryAnswer):
    last_name: str
    first_name: str
    middle_name: str | None = None


class Address(RegistryAnswer):
    region_code: str
    region: str
    region_kk: str
    district: str
    locality: str
    street: str
    house: str
    flat: str | None = None


class IdentityDocument(RegistryAnswer):
    type: str
    number: str
    issued_by: str
    issue_date: date
    expiry_date: date
    status: str


class Person(RegistryAnswer):
    iin: str
    last_name: str
    first_name: str
    middle_name: str | None = None
    names_kk: KazakhNames
    birth_date: date
    sex: str
    citizenship: str
    life_status: str
    """ALIVE, DECEASED or IIN_INVALIDATED."""
    death_date: date | None = None
    phone: str | None = None
    address: Address
    documents: list[IdentityDocument]

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class PersonAnswer(LookupAnswer):
    found: bool
    person: Person | None = None


PERSON_BY_IIN = Operation("GBDFL_UniversalServiceSync", GBD_FL, PersonRequest, PersonAnswer)


class BiometricRequest(RegistryRequest):
    iin: str
    photo: str
    """Base64 of a JPEG or PNG taken at the desk."""


class BiometricAnswer(LookupAnswer):
    iin: str
    verdict: str
    """MATCH, NO_MATCH, NOT_ENROLLED or PERSON_NOT_FOUND."""
    match: bool
    score: float
    threshold: float


BIOMETRIC_VERIFICATION = Operation(
    "GBDFL_BiometricVerification", GBD_FL, BiometricRequest, BiometricAnswer
)
