"""Answers that the SOAP face writes in the real bus's own vocabulary, not the generic mapping.

ГБД ФЛ's person answer (`GBDFL_UniversalServiceSync`) is known to integrators as
`persons/person{iin, surname, name, patronymic, birthDate, gender{code, nameRu, nameKz},
nationality, citizenship, lifeStatus, birthPlace, regAddress, documents…}` beside
`messageResult{code}` (`00000` when found). The registry keeps answering its JSON
(`gbd_fl.schemas.PersonAnswer`); this module reshapes that JSON at the gateway's edge.

The names listed above are the real bus's; the inner parts of `regAddress`, `documents/document`
and the dictionaries (`citizenship`, `lifeStatus` as {code, nameRu, nameKz}) are this project's
own, as is `messageResult.code` for a person not found (the registry's code, `PERSON_NOT_FOUND`).
`nationality` and `birthPlace` are not kept by this ГБД ФЛ, so they are left out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from gateway.soap.payloads import Node, Reshape, node_of


class _Vocabulary(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CodeName(_Vocabulary):
    code: str
    name_ru: str | None = None
    name_kz: str | None = None


class RegAddress(_Vocabulary):
    region_code: str
    region: str
    region_kz: str
    district: str
    locality: str
    street: str
    house: str
    flat: str | None = None


class Document(_Vocabulary):
    type: str
    number: str
    issue_organization: str
    begin_date: date
    end_date: date
    status: str


class Documents(_Vocabulary):
    document: list[Document]


class Person(_Vocabulary):
    iin: str
    surname: str
    name: str
    patronymic: str | None = None
    birth_date: date
    gender: CodeName
    nationality: CodeName | None = None
    citizenship: CodeName
    life_status: CodeName
    death_date: date | None = None
    birth_place: str | None = None
    reg_address: RegAddress
    documents: Documents


class Persons(_Vocabulary):
    person: list[Person]


class PersonsAnswer(_Vocabulary):
    """`GBDFL_UniversalServiceSync` on the SOAP face."""

    persons: Persons
    message_result: CodeName


SUCCESS_RESULT = {"code": "00000", "nameRu": "Успешно", "nameKz": "Сәтті"}

_GENDERS = {"M": ("Мужской", "Ер"), "F": ("Женский", "Әйел")}
_LIFE = {
    "ALIVE": ("Жив", "Тірі"),
    "DECEASED": ("Умер", "Қайтыс болған"),
    "IIN_INVALIDATED": ("ИИН недействителен", "ЖСН жарамсыз"),
}
_COUNTRIES = {"KZ": ("Казахстан", "Қазақстан")}


def _code_name(code: str, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    ru, kz = names.get(code, (None, None))
    return {"code": code, "nameRu": ru, "nameKz": kz}


def person_answer(answer: Any) -> Any:
    """ГБД ФЛ's JSON `PersonAnswer` in the vocabulary of `PersonsAnswer`."""
    if not isinstance(answer, dict) or "found" not in answer:
        return answer
    if not answer["found"] or not answer.get("person"):
        messages = answer.get("messages") or {}
        result = {
            "code": answer.get("code") or "NOT_FOUND",
            "nameRu": messages.get("ru"),
            "nameKz": messages.get("kk"),
        }
        return {"persons": {"person": []}, "messageResult": result}
    person = answer["person"]
    address = person.get("address") or {}
    return {
        "persons": {
            "person": [
                {
                    "iin": person["iin"],
                    "surname": person["lastName"],
                    "name": person["firstName"],
                    "patronymic": person.get("middleName"),
                    "birthDate": person["birthDate"],
                    "gender": _code_name(person["sex"], _GENDERS),
                    "citizenship": _code_name(person["citizenship"], _COUNTRIES),
                    "lifeStatus": _code_name(person["lifeStatus"], _LIFE),
                    "deathDate": person.get("deathDate"),
                    "regAddress": {
                        "regionCode": address.get("regionCode"),
                        "region": address.get("region"),
                        "regionKz": address.get("regionKk"),
                        "district": address.get("district"),
                        "locality": address.get("locality"),
                        "street": address.get("street"),
                        "house": address.get("house"),
                        "flat": address.get("flat"),
                    },
                    "documents": {
                        "document": [
                            {
                                "type": document["type"],
                                "number": document["number"],
                                "issueOrganization": document["issuedBy"],
                                "beginDate": document["issueDate"],
                                "endDate": document["expiryDate"],
                                "status": document["status"],
                            }
                            for document in person.get("documents") or ()
                        ]
                    },
                }
            ]
        },
        "messageResult": SUCCESS_RESULT,
    }


VOCABULARIES: dict[str, tuple[Node, Reshape]] = {
    "GBDFL_UniversalServiceSync": (
        node_of(PersonsAnswer.model_json_schema(by_alias=True)),
        person_answer,
    ),
}
"""serviceId → the node of its answer's XML and the reshaping of its JSON answer."""
