"""Deterministic seed entities of ГБД ЮЛ (seed_data.json), applied once per version of the file.

Every legal entity of personas/catalogue.yaml is here under its catalogue `key`, plus a branch,
a representative office, a joint entrepreneurship and suspended / in-liquidation dealers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from gbd_ul.models import seed_versions
from gbd_ul.repository import OrganizationRepository
from gbd_ul.routes import to_organization
from gbd_ul.schemas import OrganizationIn
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_records() -> list[dict[str, Any]]:
    organizations: list[dict[str, Any]] = orjson.loads(SEED_FILE.read_bytes())["organizations"]
    return organizations


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = OrganizationRepository(session)
        now = clock.now()
        for record in load_records():
            fields = {k: v for k, v in record.items() if k not in ("key", "bin")}
            body = OrganizationIn.model_validate(fields)
            await repository.replace(to_organization(record["bin"], body, now))

    await apply_seed(
        session,
        seed_versions,
        name="organizations",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
