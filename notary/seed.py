"""Deterministic seed powers of attorney of ЕНИС (seed_data.json), applied once per version of
the file.

Every one is given to the persona `representative` by a person of personas/catalogue.yaml, one
per branch of M6.1, so a branch is reached by the two ИИН alone:

- `represented_applicant`: POA-2025-000118, ACTIVE until 2028-08-17, grants
  MACHINERY_REGISTRATION (`valid`); beside it POA-2025-000057, revoked when it was replaced;
- `farmer`: POA-2022-000391, EXPIRED on 2025-04-11;
- `farmer_biometrics_fail`: POA-2025-000094, REVOKED;
- `buyer_kostanay`: POA-2025-000102, ACTIVE, for vehicles only (no MACHINERY_REGISTRATION).

A record is the admin API's body plus its `number` and a `note` for people, so the seed goes
through the same validation as a tester's PUT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from notary.models import seed_versions
from notary.repository import PowerOfAttorneyRepository
from notary.routes import check_power, to_row
from notary.schemas import PowerOfAttorneyIn
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_records() -> list[dict[str, Any]]:
    powers: list[dict[str, Any]] = orjson.loads(SEED_FILE.read_bytes())["powersOfAttorney"]
    return powers


def to_body(record: dict[str, Any]) -> tuple[str, PowerOfAttorneyIn]:
    fields = {k: v for k, v in record.items() if k not in ("number", "note")}
    return record["number"], PowerOfAttorneyIn.model_validate(fields)


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = PowerOfAttorneyRepository(session)
        for record in load_records():
            number, body = to_body(record)
            check_power(body)
            await repository.save(to_row(number, body))

    await apply_seed(
        session,
        seed_versions,
        name="powers_of_attorney",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
