"""ГБД ФЛ's operations on the gateway's channels.

Scenarios a tester can force with `X-Test-Scenario` (relayed by the gateway), whatever the
seed says:
- `gbd_fl.not_found` — the person is not in the registry (V7 "enter a correct ИИН");
- `gbd_fl.deceased` — the person is reported deceased since today (V7/V11 refusal);
- `gbd_fl.biometrics_fail` — the face match fails (M7).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date
from typing import Literal

from gbd_fl.models import Biometrics, Document, DocumentStatus, LifeStatus, Person
from gbd_fl.repository import PersonRepository
from gbd_fl.schemas import (
    Address,
    BiometricAnswer,
    BiometricRequest,
    IdentityDocument,
    KazakhNames,
    PersonAnswer,
    PersonRecord,
    PersonRequest,
)
from servicekit.errors import Problem
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

PERSON_BY_IIN = "GBDFL_UniversalServiceSync"
PERSON_BY_IIN_ASYNC = "GBDFL_UniversalServiceAsync"
BIOMETRIC_VERIFICATION = "GBDFL_BiometricVerification"

provider = SyncProvider(
    "gbd_fl",
    {
        "gbd_fl.not_found": "the person is not in the registry (V7: enter a correct ИИН)",
        "gbd_fl.deceased": "the person is reported deceased since today (V7/V11 refusal)",
        "gbd_fl.biometrics_fail": "the face match fails (M7)",
    },
)

register(
    {
        "PERSON_NOT_FOUND": Texts(
            "Сведения по указанному ИИН не найдены в ГБД ФЛ",
            "Көрсетілген ЖСН бойынша ЖТ МДҚ-да мәліметтер табылмады",
            "No data for this IIN in the state database of persons",
        ),
        "BIOMETRICS_NO_MATCH": Texts(
            "Биометрическая идентификация не пройдена: фото не совпадает с данными ГБД ФЛ",
            "Биометриялық сәйкестендіру өтпеді: фото ЖТ МДҚ деректерімен сәйкес келмейді",
            "Biometric identification failed: the photo does not match the registry",
        ),
        "BIOMETRICS_NOT_ENROLLED": Texts(
            "Для этого лица нет биометрических данных в ГБД ФЛ",
            "Бұл тұлға үшін ЖТ МДҚ-да биометриялық деректер жоқ",
            "There are no biometric data for this person in the registry",
        ),
        "PHOTO_INVALID": Texts(
            "Фото должно быть изображением JPEG или PNG в base64, не более 2 МБ",
            "Фото base64 түріндегі JPEG немесе PNG суреті болуы керек, 2 МБ-тан аспауы тиіс",
            "The photo must be a base64 JPEG or PNG image of at most 2 MB",
        ),
    }
)


@provider.operation(PERSON_BY_IIN, PersonRequest)
@provider.operation(PERSON_BY_IIN_ASYNC, PersonRequest)
async def person_by_iin(data: PersonRequest, call: SyncCall) -> PersonAnswer:
    person = await PersonRepository(call.session).get(data.iin)
    if person is None or call.scenario == "gbd_fl.not_found":
        return PersonAnswer(
            found=False,
            code="PERSON_NOT_FOUND",
            messages=texts_for("PERSON_NOT_FOUND").render({}),
        )
    record = to_record(person, call.clock.today())
    if call.scenario == "gbd_fl.deceased":
        record = record.model_copy(
            update={"life_status": LifeStatus.DECEASED.value, "death_date": call.clock.today()}
        )
    return PersonAnswer(found=True, person=record)


@provider.operation(BIOMETRIC_VERIFICATION, BiometricRequest)
async def biometric_verification(data: BiometricRequest, call: SyncCall) -> BiometricAnswer:
    """Face match of a live photo against the enrolled face (M6.1/M7).

    The emulator keeps no templates: the outcome is the person's `biometrics` mark, and the
    score is derived from the photo's bytes so the same photo always scores the same.
    """
    photo = _decode_photo(data.photo)
    person = await PersonRepository(call.session).get(data.iin)
    if person is None or call.scenario == "gbd_fl.not_found":
        return _biometric(data.iin, "PERSON_NOT_FOUND", 0.0, "PERSON_NOT_FOUND")
    if person.biometrics is Biometrics.NOT_ENROLLED:
        return _biometric(data.iin, "NOT_ENROLLED", 0.0, "BIOMETRICS_NOT_ENROLLED")
    jitter = hashlib.sha256(data.iin.encode() + photo).digest()[0] / 255
    fails = person.biometrics is Biometrics.MISMATCH or call.scenario == "gbd_fl.biometrics_fail"
    if fails or person.life_status is not LifeStatus.ALIVE:
        return _biometric(data.iin, "NO_MATCH", 0.12 + 0.3 * jitter, "BIOMETRICS_NO_MATCH")
    return _biometric(data.iin, "MATCH", 0.9 + 0.09 * jitter, None)


MATCH_THRESHOLD = 0.8
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
MAX_PHOTO_BYTES = 2 * 1024 * 1024


def _decode_photo(encoded: str) -> bytes:
    try:
        photo = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise Problem("PHOTO_INVALID", status=422, field="requestData.data.photo") from None
    if len(photo) > MAX_PHOTO_BYTES or not photo.startswith(_IMAGE_SIGNATURES):
        raise Problem("PHOTO_INVALID", status=422, field="requestData.data.photo")
    return photo


def _biometric(
    iin: str,
    verdict: Literal["MATCH", "NO_MATCH", "NOT_ENROLLED", "PERSON_NOT_FOUND"],
    score: float,
    code: str | None,
) -> BiometricAnswer:
    return BiometricAnswer(
        iin=iin,
        verdict=verdict,
        match=verdict == "MATCH",
        score=round(score, 3),
        threshold=MATCH_THRESHOLD,
        code=code,
        messages=texts_for(code).render({}) if code else None,
    )


def document_status(document: Document, today: date) -> str:
    """A card kept VALID is EXPIRED from the day after its expiry date (the bus clock's day in
    Almaty): the registry does not wait for someone to mark it."""
    if document.status is DocumentStatus.VALID and document.expiry_date < today:
        return DocumentStatus.EXPIRED.value
    return document.status.value


def to_record(person: Person, today: date) -> PersonRecord:
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
                status=document_status(d, today),
            )
            for d in person.documents
        ],
    )
