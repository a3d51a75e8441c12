"""ГБД ЮЛ, the state database of legal entities: an entity by БИН (V1, M6.1, M10.2)."""

from __future__ import annotations

from datetime import date

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

GBD_UL = "ГБД ЮЛ"


class OrganizationRequest(RegistryRequest):
    bin: str


class EntityType(RegistryAnswer):
    residency: str
    division: str | None = None


class Head(RegistryAnswer):
    iin: str
    last_name: str
    first_name: str
    middle_name: str | None = None
    position: str
    position_kk: str


class Address(RegistryAnswer):
    region_code: str
    region: str
    region_kk: str
    district: str | None = None
    locality: str
    street: str
    house: str
    office: str | None = None


class Oked(RegistryAnswer):
    code: str
    """A five-digit ОКЭД subclass, e.g. 45111."""
    name: str | None = None
    name_kk: str | None = None


class Organization(RegistryAnswer):
    bin: str
    name: str
    name_kk: str
    short_name: str
    short_name_kk: str
    status: str
    """ACTIVE, or why it is not (SUSPENDED, LIQUIDATED…)."""
    registration_date: date
    liquidation_date: date | None = None
    entity_type: EntityType
    parent_bin: str | None = None
    head: Head
    address: Address
    oked_main: Oked
    oked_secondary: list[Oked]

    @property
    def okeds(self) -> list[Oked]:
        return [self.oked_main, *self.oked_secondary]


class OrganizationAnswer(LookupAnswer):
    found: bool
    organization: Organization | None = None


ORGANIZATION_BY_BIN = Operation(
    "GBDUL_UniversalServiceSync", GBD_UL, OrganizationRequest, OrganizationAnswer
)
