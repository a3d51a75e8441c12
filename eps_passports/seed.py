"""Deterministic seed passports of ЭПТС / ЭПСМ (seed_data.json), applied once per version of
the file.

Every vehicle of personas/catalogue.yaml except `vin_no_epts` has its ЭПТС, and the machines of
the machinery flow their ЭПСМ. A record is the admin API's body plus its `number` and a `note`
for people, so the seed goes through the same validation as a tester's PUT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from eps_passports.models import seed_versions
from eps_passports.repository import PassportRepository
from eps_passports.routes import check_passport, to_row
from eps_passports.schemas import PassportIn
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_records() -> list[dict[str, Any]]:
    passports: list[dict[str, Any]] = orjson.loads(SEED_FILE.read_bytes())["passports"]
    return passports


def to_body(record: dict[str, Any]) -> tuple[str, PassportIn]:
    fields = {k: v for k, v in record.items() if k not in ("number", "note")}
    return record["number"], PassportIn.model_validate(fields)


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = PassportRepository(session)
        for record in load_records():
            number, body = to_body(record)
            check_passport(number, body)
            await repository.save(to_row(number, body, clock.now()))

    await apply_seed(
        session,
        seed_versions,
        name="passports",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
