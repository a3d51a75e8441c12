"""ГБД ЮЛ's operations on the gateway's channels, and its admin API.

`GBDUL_UniversalServiceSync` answers a legal entity by БИН: names (ru/kk), status, registration
date, the entity type the БИН encodes, head, address and ОКЭД codes (main and secondary). Whether
the codes allow selling vehicles (V1) is the state service's decision, not the registry's.

Scenarios a tester can force with `X-Test-Scenario` (relayed by the gateway), whatever the
seed says:
- `gbd_ul.not_found` — the entity is not in the registry;
- `gbd_ul.liquidated` — a stored entity is reported LIQUIDATED (since today, unless it already
  has a liquidation date): the V1 refusal for a liquidated seller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.status import HTTP_204_NO_CONTENT

from gbd_ul.models import Activity, Organization, OrganizationStatus
from gbd_ul.oked import OKED_NAMES
from gbd_ul.repository import OrganizationRepository
from gbd_ul.schemas import (
    Address,
    Division,
    EntityType,
    Head,
    OkedCode,
    OkedCodeValue,
    OrganizationAnswer,
    OrganizationEntry,
    OrganizationIn,
    OrganizationRecord,
    OrganizationRequest,
    Residency,
)
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import NotFound, Problem
from servicekit.identifiers import Bin
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

ORGANIZATION_BY_BIN = "GBDUL_UniversalServiceSync"

provider = SyncProvider(
    "gbd_ul",
    {
        "gbd_ul.not_found": "the entity is not in the registry",
        "gbd_ul.liquidated": "a stored entity is reported LIQUIDATED (since today unless it "
        "has a date)",
    },
)
admin = APIRouter(prefix="/admin", tags=["admin: ГБД ЮЛ"])

register(
    {
        "ORGANIZATION_NOT_FOUND": Texts(
            "Сведения по указанному БИН не найдены в ГБД ЮЛ",
            "Көрсетілген БСН бойынша ЗТ МДҚ-да мәліметтер табылмады",
            "No data for this BIN in the state database of legal entities",
        ),
        "REGISTRATION_DATE_NOT_IN_BIN": Texts(
            "Дата регистрации должна приходиться на год и месяц из первых 4 цифр БИН ({yymm})",
            "Тіркелу күні БСН-нің алғашқы 4 цифрындағы жыл мен айға ({yymm}) сәйкес болуы керек",
            "The registration date must fall in the year and month the BIN starts with ({yymm})",
        ),
        "LIQUIDATION_DATE_STATUS": Texts(
            "Дата ликвидации указывается только при статусе LIQUIDATED и для него обязательна",
            "Тарату күні тек LIQUIDATED мәртебесінде көрсетіледі және ол үшін міндетті",
            "A liquidation date is given exactly when the status is LIQUIDATED",
        ),
        "OKED_REPEATED": Texts(
            "Код ОКЭД {oked} указан более одного раза",
            "ЭҚЖЖ коды {oked} бірнеше рет көрсетілген",
            "The OKED code {oked} is given more than once",
        ),
    }
)

_RESIDENCY: dict[str, Residency] = {
    "4": "RESIDENT",
    "5": "NON_RESIDENT",
    "6": "JOINT_ENTREPRENEURSHIP",
}
_DIVISION: dict[str, Division] = {
    "0": "HEAD_UNIT",
    "1": "BRANCH",
    "2": "REPRESENTATIVE_OFFICE",
    "3": "PEASANT_FARM",
}


@provider.operation(ORGANIZATION_BY_BIN, OrganizationRequest)
async def organization_by_bin(data: OrganizationRequest, call: SyncCall) -> OrganizationAnswer:
    organization = await OrganizationRepository(call.session).get(data.bin)
    if organization is None or call.scenario == "gbd_ul.not_found":
        return OrganizationAnswer(
            found=False,
            code="ORGANIZATION_NOT_FOUND",
            messages=texts_for("ORGANIZATION_NOT_FOUND").render({}),
        )
    record = to_record(organization)
    if call.scenario == "gbd_ul.liquidated":
        record = record.model_copy(
            update={
                "status": OrganizationStatus.LIQUIDATED,
                "liquidation_date": record.liquidation_date or call.clock.today(),
            }
        )
    return OrganizationAnswer(found=True, organization=record)


def entity_type(bin_: str) -> EntityType:
    """The type a (valid) БИН encodes in d5 (residency) and d6 (division)."""
    return EntityType(residency=_RESIDENCY[bin_[4]], division=_DIVISION.get(bin_[5]))


def oked_code(code: str) -> OkedCode:
    names = OKED_NAMES.get(code)
    return OkedCode(
        code=code, name=names.ru if names else None, name_kk=names.kk if names else None
    )


def to_record(organization: Organization) -> OrganizationRecord:
    main = [a.code for a in organization.activities if a.is_main]
    secondary = [a.code for a in organization.activities if not a.is_main]
    return OrganizationRecord(
        bin=organization.bin,
        name=organization.name,
        name_kk=organization.name_kk,
        short_name=organization.short_name,
        short_name_kk=organization.short_name_kk,
        status=organization.status,
        registration_date=organization.registration_date,
        liquidation_date=organization.liquidation_date,
        entity_type=entity_type(organization.bin),
        parent_bin=organization.parent_bin,
        head=Head(
            iin=organization.head_iin,
            last_name=organization.head_last_name,
            first_name=organization.head_first_name,
            middle_name=organization.head_middle_name,
            position=organization.head_position,
            position_kk=organization.head_position_kk,
        ),
        address=Address(
            region_code=organization.region_code,
            region=organization.region,
            region_kk=organization.region_kk,
            district=organization.district,
            locality=organization.locality,
            street=organization.street,
            house=organization.house,
            office=organization.office,
        ),
        oked_main=oked_code(main[0]),
        oked_secondary=[oked_code(code) for code in secondary],
    )


def to_entry(organization: Organization) -> OrganizationEntry:
    return OrganizationEntry(
        **to_record(organization).model_dump(), updated_at=organization.updated_at
    )


def to_organization(bin_: str, body: OrganizationIn, now: datetime) -> Organization:
    """The row for a record (admin PUT or seed), refusing what the schema alone cannot see."""
    if (body.registration_date.year % 100, body.registration_date.month) != (
        int(bin_[:2]),
        int(bin_[2:4]),
    ):
        raise Problem(
            "REGISTRATION_DATE_NOT_IN_BIN", status=422, field="registrationDate", yymm=bin_[:4]
        )
    if (body.liquidation_date is not None) != (body.status is OrganizationStatus.LIQUIDATED):
        raise Problem("LIQUIDATION_DATE_STATUS", status=422, field="liquidationDate")
    codes = [body.oked_main, *body.oked_secondary]
    for index, code in enumerate(codes):
        if code in codes[:index]:
            raise Problem(
                "OKED_REPEATED", status=422, field=f"okedSecondary[{index - 1}]", oked=code
            )
    head, address = body.head, body.address
    return Organization(
        bin=bin_,
        name=body.name,
        name_kk=body.name_kk,
        short_name=body.short_name,
        short_name_kk=body.short_name_kk,
        status=body.status,
        registration_date=body.registration_date,
        liquidation_date=body.liquidation_date,
        parent_bin=body.parent_bin,
        head_iin=head.iin,
        head_last_name=head.last_name,
        head_first_name=head.first_name,
        head_middle_name=head.middle_name,
        head_position=head.position,
        head_position_kk=head.position_kk,
        region_code=address.region_code,
        region=address.region,
        region_kk=address.region_kk,
        district=address.district,
        locality=address.locality,
        street=address.street,
        house=address.house,
        office=address.office,
        updated_at=now,
        activities=[
            Activity(code=code, is_main=index == 0, position=index)
            for index, code in enumerate(codes)
        ],
    )


@admin.get("/organizations", summary="Legal entities, narrowed by status, ОКЭД or name")
async def list_organizations(
    _: AdminOnly,
    session: DbSession,
    status: OrganizationStatus | None = None,
    oked: Annotated[OkedCodeValue | None, Query(description="main or secondary code")] = None,
    name: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[OrganizationEntry]:
    found = await OrganizationRepository(session).find(
        status=status, oked=oked, name=name, limit=limit
    )
    return [to_entry(organization) for organization in found]


@admin.get(
    "/organizations/{bin}",
    summary="One legal entity as stored",
    responses={404: {"description": "NOT_FOUND: no such bin"}},
)
async def get_organization(bin: Bin, _: AdminOnly, session: DbSession) -> OrganizationEntry:
    organization = await OrganizationRepository(session).get(bin)
    if organization is None:
        raise NotFound(field="bin")
    return to_entry(organization)


@admin.put("/organizations/{bin}", summary="Add or replace a legal entity")
async def put_organization(
    bin: Bin, body: OrganizationIn, _: AdminOnly, clock: BusClock, session: DbSession
) -> OrganizationEntry:
    organization = to_organization(bin, body, clock.now())
    await OrganizationRepository(session).replace(organization)
    return to_entry(organization)


@admin.delete(
    "/organizations/{bin}",
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove a legal entity",
    responses={404: {"description": "NOT_FOUND: no such bin"}},
)
async def delete_organization(bin: Bin, _: AdminOnly, session: DbSession) -> Response:
    if not await OrganizationRepository(session).delete(bin):
        raise NotFound(field="bin")
    return Response(status_code=HTTP_204_NO_CONTENT)
