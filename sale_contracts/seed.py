"""Deterministic seed contracts of the sale-contract registry (seed_data.json), applied once per
version of the file.

Every vehicle of personas/catalogue.yaml has its contract except `vin_no_contract`, so each
vehicle's own refusal is the first one the VIN flow meets. A record is the admin API's body plus
its `number` and a `note` for people, so the seed goes through the same validation as a
tester's PUT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from sale_contracts.models import seed_versions
from sale_contracts.repository import ContractRepository
from sale_contracts.routes import check_contract, to_row
from sale_contracts.schemas import ContractIn
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_records() -> list[dict[str, Any]]:
    contracts: list[dict[str, Any]] = orjson.loads(SEED_FILE.read_bytes())["contracts"]
    return contracts


def to_body(record: dict[str, Any]) -> tuple[str, ContractIn]:
    fields = {k: v for k, v in record.items() if k not in ("number", "note")}
    return record["number"], ContractIn.model_validate(fields)


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = ContractRepository(session)
        for record in load_records():
            number, body = to_body(record)
            check_contract(body)
            await repository.save(to_row(number, body))

    await apply_seed(
        session,
        seed_versions,
        name="contracts",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
