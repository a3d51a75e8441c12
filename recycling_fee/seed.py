"""Deterministic seed fees of the recycling fee registry (seed_data.json), applied once per
version of the file.

Every vehicle of personas/catalogue.yaml under its catalogue `key`: paid by ТОО
«СарыаркаАвтоПром» (manufacturer) or, for the foreign-made one, by its importer; unpaid only
for `vin_recycling_unpaid`. The foreign-made one was paid in 2025, the rest in 2026, so both
years' МРП price a fee; certificate numbers are the marks eps_passports puts in the ЭПТС. One
more: an electric car, whose coefficient (and fee) is zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from recycling_fee.models import seed_versions
from recycling_fee.repository import FeeRepository
from recycling_fee.routes import to_record
from recycling_fee.schemas import FeeIn
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_records() -> list[dict[str, Any]]:
    fees: list[dict[str, Any]] = orjson.loads(SEED_FILE.read_bytes())["fees"]
    return fees


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = FeeRepository(session)
        now = clock.now()
        for record in load_records():
            fields = {k: v for k, v in record.items() if k not in ("key", "vin")}
            await repository.replace(to_record(record["vin"], FeeIn.model_validate(fields), now))

    await apply_seed(
        session,
        seed_versions,
        name="fees",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
