"""Admin API of ГБД ФЛ: testers add, change and remove persons to build any case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from gbd_fl.models import Biometrics, Document, DocumentStatus, LifeStatus, Person
from gbd_fl.repository import PersonRepository
from gbd_fl.routes import to_record
from gbd_fl.schemas import PersonIn, PersonOut
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.clock import Clock
from servicekit.db import DbSession
from servicekit.errors import NotFound, Problem
from servicekit.identifiers import Iin, parse_iin
from servicekit.messages import Texts, register
from servicekit.params import Offset

router = APIRouter(prefix="/admin/persons", tags=["admin: persons"])

register(
    {
        "IIN_BIRTH_DATE_MISMATCH": Texts(
            "Дата рождения не совпадает с датой в ИИН",
            "Туған күні ЖСН-дегі күнмен сәйкес келмейді",
            "The birth date differs from the one encoded in the IIN",
        ),
        "IIN_SEX_MISMATCH": Texts(
            "Пол не совпадает с полом, закодированным в ИИН",
            "Жынысы ЖСН-де көрсетілген жыныспен сәйкес келмейді",
            "The sex differs from the one encoded in the IIN",
        ),
    }
)


def _out(person: Person, clock: Clock) -> PersonOut:
    # The status as the registry answers it: a card past its expiry date shows EXPIRED.
    record = to_record(person, clock.today())
    return PersonOut(**record.model_dump(), biometrics=person.biometrics.value)


@router.get("", summary="Persons, by ИИН")
async def list_persons(
    clock: BusClock,
    _: AdminOnly,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> list[PersonOut]:
    found = await PersonRepository(session).page(limit=limit, offset=offset)
    return [_out(p, clock) for p in found]


@router.get(
    "/{iin}", summary="One person", responses={404: {"description": "NOT_FOUND: no such iin"}}
)
async def get_person(iin: Iin, clock: BusClock, _: AdminOnly, session: DbSession) -> PersonOut:
    person = await PersonRepository(session).get(iin)
    if person is None:
        raise NotFound(field="iin")
    return _out(person, clock)


@router.put("/{iin}", summary="Add or replace a person")
async def put_person(
    iin: Iin, body: PersonIn, clock: BusClock, _: AdminOnly, session: DbSession
) -> PersonOut:
    # The ИИН carries the birth date and sex: a record contradicting it is not a person.
    encoded = parse_iin(iin)
    if body.birth_date != encoded.birth_date:
        raise Problem("IIN_BIRTH_DATE_MISMATCH", status=422, field="birthDate")
    if body.sex != encoded.sex.value:
        raise Problem("IIN_SEX_MISMATCH", status=422, field="sex")
    person = Person(
        iin=iin,
        last_name=body.last_name,
        first_name=body.first_name,
        middle_name=body.middle_name,
        last_name_kk=body.names_kk.last_name,
        first_name_kk=body.names_kk.first_name,
        middle_name_kk=body.names_kk.middle_name,
        birth_date=body.birth_date,
        sex=body.sex,
        citizenship=body.citizenship,
        life_status=LifeStatus(body.life_status),
        death_date=body.death_date,
        phone=body.phone,
        region_code=body.address.region_code,
        region=body.address.region,
        region_kk=body.address.region_kk,
        district=body.address.district,
        locality=body.address.locality,
        street=body.address.street,
        house=body.address.house,
        flat=body.address.flat,
        biometrics=Biometrics(body.biometrics),
        documents=[
            Document(
                type=d.type,
                number=d.number,
                issued_by=d.issued_by,
                issue_date=d.issue_date,
                expiry_date=d.expiry_date,
                status=DocumentStatus(d.status),
            )
            for d in body.documents
        ],
    )
    repository = PersonRepository(session)
    await repository.replace(person)
    stored = await repository.get(iin)
    assert stored is not None  # just written in this transaction
    return _out(stored, clock)


@router.delete(
    "/{iin}",
    status_code=204,
    summary="Remove a person",
    responses={404: {"description": "NOT_FOUND: no such iin"}},
)
async def delete_person(iin: Iin, _: AdminOnly, session: DbSession) -> Response:
    if not await PersonRepository(session).delete(iin):
        raise NotFound(field="iin")
    return Response(status_code=204)
