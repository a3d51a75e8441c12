"""Deterministic seed fines of ЕРАП (seed_data.json), applied once per version of the file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from erap_fines.models import Fine, seed_versions
from erap_fines.repository import FineRepository
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


@cache  # read once: the scenario fine is built from it on every call that asks for it
def load_data() -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(SEED_FILE.read_bytes())
    return data


def load_records() -> list[dict[str, Any]]:
    fines: list[dict[str, Any]] = load_data()["fines"]
    return fines


def to_fine(record: dict[str, Any], iin: str | None = None) -> Fine:
    """A fine of the seed file; `iin` for the scenario fine, which belongs to whoever asks."""
    paid_at = datetime.fromisoformat(record["paidAt"]) if record.get("paidAt") else None
    return Fine(
        case_number=record["caseNumber"],
        iin=iin or record["iin"],
        article=record["article"],
        description=record["description"],
        description_kk=record["descriptionKk"],
        decision_date=date.fromisoformat(record["decisionDate"]),
        amount_mrp=Decimal(record["amountMrp"]),
        amount=record["amount"],
        due_date=date.fromisoformat(record["dueDate"]),
        paid=paid_at is not None,
        paid_at=paid_at,
        payer_iin=record.get("payerIin"),
    )


def scenario_fine(iin: str) -> Fine:
    return to_fine(load_data()["scenarioFine"], iin)


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        repository = FineRepository(session)
        for record in load_records():
            await repository.replace(to_fine(record))

    await apply_seed(
        session,
        seed_versions,
        name="fines",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
