"""Deterministic seed persons of ГБД ФЛ (seed_data.json), applied once per version of the file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from gbd_fl.models import Biometrics, Document, DocumentStatus, LifeStatus, Person, seed_versions
from gbd_fl.repository import PersonRepository
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_records() -> list[dict[str, Any]]:
    persons: list[dict[str, Any]] = orjson.loads(SEED_FILE.read_bytes())["persons"]
    return persons


def to_person(record: dict[str, Any]) -> Person:
    address, kk = record["address"], record["namesKk"]
    return Person(
        iin=record["iin"],
        last_name=record["lastName"],
        first_name=record["firstName"],
        middle_name=record["middleName"],
        last_name_kk=kk["lastName"],
        first_name_kk=kk["firstName"],
        middle_name_kk=kk["middleName"],
        birth_date=date.fromisoformat(record["birthDate"]),
        sex=record["sex"],
        citizenship=record["citizenship"],
        life_status=LifeStatus(record["lifeStatus"]),
        death_date=date.fromisoformat(record["deathDate"]) if record["deathDate"] else None,
        phone=record["phone"],
        region_code=address["regionCode"],
        region=address["region"],
        region_kk=address["regionKk"],
        district=address["district"],
        locality=address["locality"],
        street=address["street"],
        house=address["house"],
        flat=address["flat"],
        biometrics=Biometrics(record["biometrics"]),
        documents=[
            Document(
                type=doc["type"],
                number=doc["number"],
                issued_by=doc["issuedBy"],
                issue_date=date.fromisoformat(doc["issueDate"]),
                expiry_date=date.fromisoformat(doc["expiryDate"]),
                status=DocumentStatus(doc["status"]),
            )
            for doc in record["documents"]
        ],
    )


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = PersonRepository(session)
        for record in load_records():
            await repository.replace(to_person(record))

    await apply_seed(
        session,
        seed_versions,
        name="persons",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
