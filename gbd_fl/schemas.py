"""The contract of ГБД ФЛ's answers (the `data` of the gateway's envelope)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from servicekit.identifiers import Iin

MAX_PHOTO_BASE64 = 2 * 1024 * 1024 * 4 // 3 + 4


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class PersonRequest(Contract):
    """`GBDFL_UniversalServiceSync`: a person by ИИН."""

    iin: Iin


class KazakhNames(Contract):
    last_name: str
    first_name: str
    middle_name: str | None


class Address(Contract):
    region_code: str
    region: str
    region_kk: str
    district: str
    locality: str
    street: str
    house: str
    flat: str | None


class IdentityDocument(Contract):
    type: str
    number: str
    issued_by: str
    issue_date: date
    expiry_date: date
    status: str


class PersonRecord(Contract):
    iin: str
    last_name: str
    first_name: str
    middle_name: str | None
    names_kk: KazakhNames
    birth_date: date
    sex: str
    citizenship: str
    life_status: str
    death_date: date | None
    phone: str | None
    address: Address
    documents: list[IdentityDocument]


class PersonAnswer(Contract):
    """Found: `found` is true and `person` is set. Not found is an answer too, not a fault."""

    found: bool
    person: PersonRecord | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class BiometricRequest(Contract):
    """`GBDFL_BiometricVerification`: does the live photo match the person's enrolled face?"""

    iin: Iin
    photo: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PHOTO_BASE64)]
    """The photo taken at the desk, base64 of a JPEG or PNG (at most 2 MB)."""


class BiometricAnswer(Contract):
    iin: str
    verdict: Literal["MATCH", "NO_MATCH", "NOT_ENROLLED", "PERSON_NOT_FOUND"]
    match: bool
    score: float
    """Similarity 0–1; a match needs at least `threshold`."""
    threshold: float
    code: str | None = None
    messages: dict[str, str] | None = None


class PersonIn(Contract):
    """A person as a tester writes it through the admin API (the ИИН is in the path)."""

    last_name: str = Field(min_length=1, max_length=100)
    first_name: str = Field(min_length=1, max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    names_kk: KazakhNames
    birth_date: date
    sex: Literal["M", "F"]
    citizenship: str = Field(default="KZ", pattern="^[A-Z]{2}$")
    life_status: Literal["ALIVE", "DECEASED", "IIN_INVALIDATED"] = "ALIVE"
    death_date: date | None = None
    phone: str | None = Field(default=None, pattern=r"^\+7\d{10}$")
    address: Address
    documents: list[IdentityDocument] = Field(default_factory=list, max_length=10)
    biometrics: Literal["ENROLLED", "MISMATCH", "NOT_ENROLLED"] = "ENROLLED"


class PersonOut(PersonRecord):
    biometrics: str
