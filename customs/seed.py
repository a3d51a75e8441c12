"""Deterministic seed records of the customs registry (seed_data.json), applied once per
version of the file.

The vehicles of personas/catalogue.yaml under their catalogue `key`: paid, except
`vin_customs_unpaid` (nothing paid) and `vin_customs_no_record` (absent on purpose). The
Kazakh-made ones carry the record of the kit ТОО «СарыаркаАвтоПром» imported; the foreign-made
one its importer's. Two more: a kit paid in part, and a car a person imported whose VIN has
no valid check digit (European plants need not give one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from customs.models import seed_versions
from customs.repository import CustomsRepository
from customs.routes import to_record
from customs.schemas import DeclarationIn
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_records() -> list[dict[str, Any]]:
    declarations: list[dict[str, Any]] = orjson.loads(SEED_FILE.read_bytes())["declarations"]
    return declarations


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = CustomsRepository(session)
        now = clock.now()
        for record in load_records():
            fields = {k: v for k, v in record.items() if k not in ("key", "vin")}
            body = DeclarationIn.model_validate(fields)
            await repository.replace(to_record(record["vin"], body, now))

    await apply_seed(
        session,
        seed_versions,
        name="declarations",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
