"""The contract of ГБД ЮЛ: the `data` of the gateway's envelope, and the admin API's bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from gbd_ul.models import OrganizationStatus
from servicekit.identifiers import Bin, Iin

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
OkedCodeValue = Annotated[str, StringConstraints(pattern=r"^\d{5}$")]
"""A five-digit ОКЭД subclass (ГК РК 03-2019), e.g. 45111."""

Residency = Literal["RESIDENT", "NON_RESIDENT", "JOINT_ENTREPRENEURSHIP"]
Division = Literal["HEAD_UNIT", "BRANCH", "REPRESENTATIVE_OFFICE", "PEASANT_FARM"]


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class OrganizationRequest(Contract):
    """`GBDUL_UniversalServiceSync`: a legal entity by БИН."""

    bin: Bin


class Head(Contract):
    """The head of the entity (director, chairman, head of the farm…)."""

    iin: Iin
    last_name: Text
    first_name: Text
    middle_name: Text | None = None
    position: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    position_kk: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]


class Address(Contract):
    region_code: Annotated[str, StringConstraints(pattern=r"^\d{2}$")]
    region: Text
    region_kk: Text
    district: Text | None = None
    locality: Text
    street: Text
    house: ShortText
    office: ShortText | None = None


class EntityType(Contract):
    """What the БИН itself says (docs/kz-reference.md §1): d5 is the residency, d6 the division."""

    residency: Residency
    division: Division | None
    """None for a d6 outside 0–3, which the БИН's check digit does not rule out."""


class OkedCode(Contract):
    code: str
    name: str | None
    """The classifier's name; None for a code the registry has no name for."""
    name_kk: str | None


class OrganizationRecord(Contract):
    bin: str
    name: str
    name_kk: str
    short_name: str
    short_name_kk: str
    status: OrganizationStatus
    registration_date: date
    liquidation_date: date | None
    entity_type: EntityType
    parent_bin: str | None
    head: Head
    address: Address
    oked_main: OkedCode
    oked_secondary: list[OkedCode]


class OrganizationAnswer(Contract):
    """Found: `found` is true and `organization` is set. Not found is an answer too, not a
    fault: `found` is false with `code` and texts in `messages`."""

    found: bool
    organization: OrganizationRecord | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class OrganizationIn(Contract):
    """Admin API: the whole record of one entity (its БИН is in the path)."""

    name: LongText
    name_kk: LongText
    short_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
    ]
    short_name_kk: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
    ]
    status: OrganizationStatus
    registration_date: date
    """Must fall in the year and month the БИН starts with (YYMM)."""
    liquidation_date: date | None = None
    """Set exactly when the status is LIQUIDATED."""
    parent_bin: Bin | None = None
    head: Head
    address: Address
    oked_main: OkedCodeValue
    oked_secondary: list[OkedCodeValue] = Field(default_factory=list, max_length=30)


class OrganizationEntry(OrganizationRecord):
    """Admin API: a record as stored, with when it was last written."""

    updated_at: datetime
