"""The contract of ГБД ФЛ's answers (the `data` of the gateway's envelope)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from servicekit.identifiers import Iin


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
