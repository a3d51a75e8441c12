"""ГБД ФЛ's operations on the gateway's sync channel."""

from __future__ import annotations

from gbd_fl.models import Person
from gbd_fl.repository import PersonRepository
from gbd_fl.schemas import (
    Address,
    IdentityDocument,
    KazakhNames,
    PersonAnswer,
    PersonRecord,
    PersonRequest,
)
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

PERSON_BY_IIN = "GBDFL_UniversalServiceSync"
PERSON_BY_IIN_ASYNC = "GBDFL_UniversalServiceAsync"

provider = SyncProvider()

register(
    {
        "PERSON_NOT_FOUND": Texts(
            "Сведения по указанному ИИН не найдены в ГБД ФЛ",
            "Көрсетілген ЖСН бойынша ЖТ МДҚ-да мәліметтер табылмады",
            "No data for this IIN in the state database of persons",
        ),
    }
)


@provider.operation(PERSON_BY_IIN, PersonRequest)
@provider.operation(PERSON_BY_IIN_ASYNC, PersonRequest)
async def person_by_iin(data: PersonRequest, call: SyncCall) -> PersonAnswer:
    person = await PersonRepository(call.session).get(data.iin)
    if person is None:
        return PersonAnswer(
            found=False,
            code="PERSON_NOT_FOUND",
            messages=texts_for("PERSON_NOT_FOUND").render({}),
        )
    return PersonAnswer(found=True, person=to_record(person))


def to_record(person: Person) -> PersonRecord:
    return PersonRecord(
        iin=person.iin,
        last_name=person.last_name,
        first_name=person.first_name,
        middle_name=person.middle_name,
        names_kk=KazakhNames(
            last_name=person.last_name_kk,
            first_name=person.first_name_kk,
            middle_name=person.middle_name_kk,
        ),
        birth_date=person.birth_date,
        sex=person.sex,
        citizenship=person.citizenship,
        life_status=person.life_status.value,
        death_date=person.death_date,
        phone=person.phone,
        address=Address(
            region_code=person.region_code,
            region=person.region,
            region_kk=person.region_kk,
            district=person.district,
            locality=person.locality,
            street=person.street,
            house=person.house,
            flat=person.flat,
        ),
        documents=[
            IdentityDocument(
                type=d.type,
                number=d.number,
                issued_by=d.issued_by,
                issue_date=d.issue_date,
                expiry_date=d.expiry_date,
                status=d.status.value,
            )
            for d in person.documents
        ],
    )
