"""БМГ's guarantees held by the database itself, below the HTTP layer: the repository's
conditional UPDATEs under concurrent transactions, the unique partial index on issues, and the
CHECK constraints, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from number_bank.models import EventAction, Plate, PlateEvent, PlateStatus
from number_bank.plates import parse_plate
from number_bank.repository import PlateRepository
from servicekit.db import Database
from tests.fixtures.databases import BACKENDS, service_database

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
FARMER = "700327314440"


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with service_database("number_bank", request.param, tmp_path, pool_size=20) as db:
        yield db


def plate_row(text: str, status: PlateStatus = PlateStatus.FREE, **fields: Any) -> dict[str, Any]:
    number = parse_plate(text)
    return {
        "plate": number.text,
        "kind": number.kind,
        "region_code": number.region_code,
        "demand_category": number.demand_category,
        "status": status,
        "status_since": NOW,
        **fields,
    }


async def test_concurrent_transactions_issue_a_plate_once(database: Database) -> None:
    plate = "AGR P 500"
    async with database.sessionmaker.begin() as session:
        await session.execute(insert(Plate), [plate_row(plate)])
    start = asyncio.Event()

    async def attempt(n: int) -> bool:
        await start.wait()
        async with database.sessionmaker.begin() as session:
            plates = PlateRepository(session)
            won = await plates.issue(
                plate, iin=FARMER, bin=None, vin=None, machine_id=f"M-{n}", now=NOW, direct=True
            )
            if won:
                await plates.record(
                    plate, EventAction.ISSUED, PlateStatus.ISSUED, NOW, machine_id=f"M-{n}"
                )
            return won

    tasks = [asyncio.create_task(attempt(n)) for n in range(20)]
    start.set()
    results = await asyncio.gather(*tasks)
    assert results.count(True) == 1
    async with database.sessionmaker() as session:
        stored = await PlateRepository(session).get(plate)
        assert stored is not None
        assert (stored.status, stored.machine_id) == (
            PlateStatus.ISSUED,
            f"M-{results.index(True)}",
        )


async def test_the_archive_refuses_a_second_issue_even_without_the_update(
    database: Database,
) -> None:
    """Python that skipped the conditional UPDATE still could not issue twice."""
    start = asyncio.Event()

    async def issue_event(n: int) -> bool:
        await start.wait()
        try:
            async with database.sessionmaker.begin() as session:
                await PlateRepository(session).record(
                    "AGR P 501", EventAction.ISSUED, PlateStatus.ISSUED, NOW, iin=FARMER
                )
        except IntegrityError:
            return False
        return True

    tasks = [asyncio.create_task(issue_event(n)) for n in range(10)]
    start.set()
    assert (await asyncio.gather(*tasks)).count(True) == 1
    async with database.sessionmaker.begin() as session:
        # Other actions are not limited: a plate is reserved and released many times.
        for _ in range(2):
            await PlateRepository(session).record(
                "AGR P 501", EventAction.RELEASED, PlateStatus.FREE, NOW
            )


@pytest.mark.parametrize(
    "row",
    [
        plate_row("201 ADM 02", iin=FARMER),
        plate_row("202 ADM 02", PlateStatus.RESERVED, iin=FARMER),
        plate_row("203 ADM 02", PlateStatus.RESERVED, reserved_until=NOW),
        plate_row("204 ADM 02", PlateStatus.ISSUED, iin=FARMER, issued_at=NOW),
        plate_row("205 ADM 02", PlateStatus.ISSUED, vin="XW8ZZZ61ZTG200001", issued_at=NOW),
        plate_row(
            "206 ADM 02",
            PlateStatus.ISSUED,
            iin=FARMER,
            bin="100543088028",
            vin="XW8ZZZ61ZTG200001",
            issued_at=NOW,
        ),
        plate_row("207 ADM 02", PlateStatus.ISSUED, iin=FARMER, vin="XW8ZZZ61ZTG200001"),
    ],
    ids=lambda row: row["plate"],
)
async def test_check_constraints_refuse_a_row_contradicting_its_status(
    database: Database, row: dict[str, Any]
) -> None:
    with pytest.raises(IntegrityError):
        async with database.sessionmaker.begin() as session:
            await session.execute(insert(Plate), [row])


async def test_events_outlive_their_plate(database: Database) -> None:
    async with database.sessionmaker.begin() as session:
        await session.execute(insert(Plate), [plate_row("208 ADM 02")])
        await session.execute(
            insert(PlateEvent).values(
                plate="208 ADM 02", at=NOW, action=EventAction.CREATED, status=PlateStatus.FREE
            )
        )
    async with database.sessionmaker.begin() as session:
        plates = PlateRepository(session)
        assert await plates.delete("208 ADM 02")
        assert [e.action for e in await plates.history("208 ADM 02")] == [EventAction.CREATED]


async def test_v19_the_database_refuses_a_second_issued_plate_for_one_vin(
    database: Database,
) -> None:
    """Two plates issued at once to one VIN by transactions that skip every Python check: the
    index `uq_plates_issued_vin` lets one commit. Annulled, the issue no longer counts."""
    car = "XW8ZZZ61ZTG200077"
    start = asyncio.Event()

    async def issue_row(plate: str) -> bool:
        await start.wait()
        row = plate_row(plate, PlateStatus.ISSUED, iin=FARMER, vin=car, issued_at=NOW)
        try:
            async with database.sessionmaker.begin() as session:
                await session.execute(insert(Plate), [row])
        except IntegrityError:
            return False
        return True

    tasks = [asyncio.create_task(issue_row(f"{d} KT 02")) for d in range(391, 396)]
    start.set()
    won = await asyncio.gather(*tasks)
    assert won.count(True) == 1
    first = f"{391 + won.index(True)} KT 02"
    async with database.sessionmaker.begin() as session:
        assert await PlateRepository(session).annul(
            first, iin=FARMER, bin=None, vin=car, machine_id=None, now=NOW
        )
        await session.execute(
            insert(Plate),
            [plate_row("396 KT 02", PlateStatus.ISSUED, iin=FARMER, vin=car, issued_at=NOW)],
        )


@pytest.fixture(params=BACKENDS)
async def database_at_0002(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Database]:
    """БМГ's schema as it was before one issued plate per vehicle (migration 0003)."""
    async with service_database("number_bank", request.param, tmp_path, revision="0002") as db:
        yield db


async def test_migration_0003_annuls_the_older_of_two_plates_issued_to_one_vin(
    database_at_0002: Database,
) -> None:
    """A bank that already gave a VIN two plates keeps the newer issue (the registration
    that went on) and annuls the older, with its archive entry, so the index can hold."""
    car, earlier = "XW8ZZZ61ZTG200088", NOW - timedelta(days=1)
    async with database_at_0002.sessionmaker.begin() as session:
        await session.execute(
            insert(Plate),
            [
                plate_row("397 KT 02", PlateStatus.ISSUED, iin=FARMER, vin=car, issued_at=earlier),
                plate_row("398 KT 02", PlateStatus.ISSUED, iin=FARMER, vin=car, issued_at=NOW),
                plate_row(
                    "399 KT 02",
                    PlateStatus.ISSUED,
                    iin=FARMER,
                    vin="XW8ZZZ61ZTG200089",
                    issued_at=NOW,
                ),
            ],
        )
    await database_at_0002.migrate("number_bank:migrations")
    async with database_at_0002.sessionmaker() as session:
        plates = PlateRepository(session)
        statuses = {p: (await plates.get(p)) for p in ("397 KT 02", "398 KT 02", "399 KT 02")}
        assert {p: row.status if row else None for p, row in statuses.items()} == {
            "397 KT 02": PlateStatus.ANNULLED,
            "398 KT 02": PlateStatus.ISSUED,
            "399 KT 02": PlateStatus.ISSUED,
        }
        assert [e.action for e in await plates.history("397 KT 02")] == [EventAction.ANNULLED]
