"""The provider's machinery registry: its seed (and how it agrees with БМГ's and the personas),
every outcome of the M10.3 plate check, every refusal of the M12 entry, what each action does
to the registry, and the plates БМГ issues for it.

Applications are rows built here (approved, as the provider's desk has them at M12); the
registry is a database of the test's own, migrated and seeded. Where БМГ takes part, the
package's running bus serves it (its gateway, as the sender `frontoffice_service`), and the
registry's database is of the bus's backend; elsewhere a gateway that nobody answers stands in,
so a test that reached БМГ by mistake would see PLATE_CHECK_UNAVAILABLE. The plates AGR P 031–
040 and AGR A 031–040 of БМГ's seed are this module's, one per test. Unique constraints are
tried on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from sqlalchemy import select, update

from egov.launcher import BusPlan
from frontoffice_service.machinery.catalogue import Action, Applicant, MachineKind
from frontoffice_service.machinery.models import (
    ApplicationStatus,
    MachineryApplication,
    VisitorRole,
)
from frontoffice_service.machinery.schemas import CheckRecord
from frontoffice_service.models import IdentificationKind, seed_versions
from frontoffice_service.provider.machine_registry.check import OWNER_ONLY, check_plate
from frontoffice_service.provider.machine_registry.entry import enter
from frontoffice_service.provider.machine_registry.models import (
    Machine,
    MachineStatus,
    PassportStatus,
    PlateStatus,
    RegistryEvent,
    RegistryPlate,
    TechnicalPassport,
)
from frontoffice_service.provider.machine_registry.owners import Owner
from frontoffice_service.provider.machine_registry.repository import RegistryRepository
from frontoffice_service.provider.machine_registry.seed import SEEDED, seed, seed_rows
from frontoffice_service.provider.schemas import EntryIn
from number_bank import seed as bmg_seed
from number_bank.models import PlateStatus as BankStatus
from number_bank.plates import PlateKind
from servicekit.clock import bus_clock, instant
from servicekit.db import Database, service_database_url
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.http_clients import async_client
from servicekit.identifiers import vin_check_digit
from servicekit.messages import texts_for
from tests.backends import fresh_postgres
from tests.harness import ADMIN

ROOT = Path(__file__).resolve().parents[4]
NOW = datetime(2025, 10, 21, 6, 0, tzinfo=UTC)
ISSUE_AT = datetime(2025, 10, 22, 5, 0, tzinfo=UTC)

FARMER = Owner("700327314440", None, "Кусаинов Максат Болатович")
BEREKE = Owner(None, "100543088028", "КХ «Береке»")
SHEVCHENKO = Owner("821203414816", None, "Шевченко Ольга Николаевна")
STROY_INVEST = Owner(None, "190340020468", "ТОО «Строй Инвест KZ»")

MTZ, KIROVETS_K744R4, DT75 = "MTZ-82.1-0801234", "K-744R4-0000317", "DT-75-0120006"
RESOLD_TRACTOR = "Y4R122124SB010455"
"""Шевченко's Беларус-1221.2 (AGR P 102), which the farmer buys and re-registers."""
FARMER_TRACTOR, FARMER_KIROVETS = "Y4R082104SB010321", "X8T744R35SP000187"
ROAD_ROLLER = "LXG143J08SX000317"


# --- the registry's database ------------------------------------------------------------------


@pytest.fixture(scope="module")
async def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite registry, copied for each test: migrating is the slow part."""
    path = tmp_path_factory.mktemp("registry") / "template.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate("frontoffice_service:migrations")
    await db.dispose()
    return path


async def _seeded(db: Database) -> Database:
    async with db.sessionmaker.begin() as session:
        await seed(session, bus_clock)
    return db


@asynccontextmanager
async def _sqlite(template: Path, folder: Path) -> AsyncIterator[Database]:
    path = folder / "frontoffice_service.db"
    shutil.copy(template, path)
    db = await _seeded(Database(f"sqlite+aiosqlite:///{path}"))
    try:
        yield db
    finally:
        await db.dispose()


@asynccontextmanager
async def _postgres() -> AsyncIterator[Database]:
    async with fresh_postgres() as base_url:
        db = Database(service_database_url(base_url, "frontoffice_service"), pool_size=4)
        await db.create_if_missing()
        await db.migrate("frontoffice_service:migrations")
        try:
            yield await _seeded(db)
        finally:
            await db.dispose()


@pytest.fixture
async def database(template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    async with _sqlite(template, tmp_path) as db:
        yield db


@pytest.fixture(params=["sqlite", "postgres"])
async def any_database(
    request: pytest.FixtureRequest, template: Path, tmp_path: Path
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        async with _sqlite(template, tmp_path) as db:
            yield db
    else:
        async with _postgres() as db:
            yield db


@pytest.fixture
async def bus_database(bus: BusPlan, template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """The registry on the running bus's backend: SQLite beside the embedded bus, PostgreSQL
    beside PostgreSQL and RabbitMQ."""
    if bus.database_url is None:
        async with _sqlite(template, tmp_path) as db:
            yield db
    else:
        async with _postgres() as db:
            yield db


@pytest.fixture
async def gateway(bus: BusPlan) -> AsyncIterator[GatewayClient]:
    async with GatewayClient(
        bus.url("gateway"),
        sender_id="frontoffice_service",
        password="frontoffice-secret",
        clock=bus_clock,
    ) as client:
        yield client


@pytest.fixture
async def offline() -> AsyncIterator[GatewayClient]:
    """A gateway nobody answers (the discard port): БМГ must not be needed."""
    async with GatewayClient(
        "http://127.0.0.1:9", sender_id="frontoffice_service", password="x", clock=bus_clock
    ) as client:
        yield client


# --- applications, entries and what the registry holds ----------------------------------------


def _epsm(vin: str) -> dict[str, Any]:
    passports = orjson.loads((ROOT / "eps_passports" / "seed_data.json").read_bytes())
    found: dict[str, Any] = next(p for p in passports["passports"] if p["vin"] == vin)
    return found


def application(
    action: Action,
    machine_id: str,
    applicant: Owner,
    *,
    plate: str | None = None,
    region: str = "10",
    kind: MachineKind = MachineKind.TRACTOR,
    checks: list[Any] | None = None,
    application_id: str | None = None,
) -> MachineryApplication:
    """An application approved by the provider (M10.4), waiting for its entry (M12)."""
    key = application_id or str(uuid.uuid4())
    received = NOW - timedelta(hours=3)
    return MachineryApplication(
        id=key,
        number=f"{'KST' if region == '10' else 'ALM'}-20251021-{key[:8].upper()}",
        office="KST-KOSTANAY" if region == "10" else "ALM-ALMALY",
        region=region,
        ticket_id=str(uuid.uuid4()),
        status=ApplicationStatus.APPROVED,
        action=action,
        machine_kind=kind,
        first_registration=action is Action.REGISTRATION,
        machine_id=machine_id,
        plate=plate,
        applicant_kind=Applicant.PERSON if applicant.iin else Applicant.LEGAL_ENTITY,
        applicant_iin=applicant.iin,
        applicant_bin=applicant.bin,
        applicant_name=applicant.name,
        phone="+77012345601",
        visitor_iin=applicant.iin or "580714318519",
        visitor_name=applicant.name,
        visitor_role=VisitorRole.APPLICANT,
        identification=IdentificationKind.ID_CARD,
        document={"number": key},
        digest="0" * 64,
        worker_cms="MIIB",
        signed_by="930202316296",
        sent_at=received,
        received_at=received,
        counts_from=received.date(),
        due_at=received + timedelta(days=1),
        checks=checks,
        decided_at=NOW,
        decided_by="840909416663",
        created_at=received,
        created_by="930202316296",
        updated_at=NOW,
    )


def entry(machine_id: str, *, passport: str | None = None, plate: str | None = None) -> EntryIn:
    return EntryIn(
        technical_passport=passport, plate=plate, machine_id=machine_id, issue_at=ISSUE_AT
    )


async def check(db: Database, app: MachineryApplication) -> CheckRecord:
    async with db.sessionmaker.begin() as session:
        session.add(app)
        await session.flush()
        return await check_plate(session, app)


async def entered(
    db: Database, gateway: GatewayClient, app: MachineryApplication, data: EntryIn
) -> dict[str, Any]:
    async with db.sessionmaker.begin() as session:
        session.add(app)
        await session.flush()
        return await enter(session, gateway, app, data, NOW)


async def refused(
    db: Database, gateway: GatewayClient, app: MachineryApplication, data: EntryIn
) -> StepRefusal:
    with pytest.raises(StepRefusal) as caught:
        await entered(db, gateway, app, data)
    assert caught.value.extra["step"] == "M12"
    return caught.value


async def machine(db: Database, machine_id: str) -> Machine | None:
    async with db.sessionmaker() as session:
        return await RegistryRepository(session).machine(machine_id)


async def plates(db: Database, machine_id: str) -> dict[str, PlateStatus]:
    async with db.sessionmaker() as session:
        found = await RegistryRepository(session).plates_of(machine_id)
    return {p.plate: p.status for p in found}


async def passports(db: Database, machine_id: str) -> dict[str, tuple[PassportStatus, bool]]:
    async with db.sessionmaker() as session:
        found = await RegistryRepository(session).passports_of(machine_id)
    return {p.number: (p.status, p.duplicate) for p in found}


async def history(db: Database, machine_id: str) -> list[RegistryEvent]:
    async with db.sessionmaker() as session:
        result = await session.scalars(
            select(RegistryEvent)
            .where(RegistryEvent.machine_id == machine_id)
            .order_by(RegistryEvent.id)
        )
        return list(result.all())


async def in_bmg(gateway: GatewayClient, plate: str) -> dict[str, Any]:
    """БМГ's view of the plate, with its archive under `history`."""
    answer = (await gateway.call("BMG_PlateStatus", {"plate": plate})).response_data.data
    assert answer["found"] is True, answer
    return {**answer["plate"], "history": answer["history"]}


# --- the seed ---------------------------------------------------------------------------------


async def test_m10_3_seed_holds_the_machines_registered_before_the_pilot(
    database: Database,
) -> None:
    async with database.sessionmaker() as session:
        machines = {m.machine_id: m for m in (await session.scalars(select(Machine))).all()}
        stored_plates = {p.plate: p for p in (await session.scalars(select(RegistryPlate))).all()}
        stored_passports = (await session.scalars(select(TechnicalPassport))).all()
    assert {k: (m.status, m.region, m.owner_iin, m.owner_bin) for k, m in machines.items()} == {
        MTZ: (MachineStatus.REGISTERED, "10", None, BEREKE.bin),
        KIROVETS_K744R4: (MachineStatus.REGISTERED, "02", bmg_seed._person(94), None),
        DT75: (MachineStatus.DEREGISTERED, "10", None, BEREKE.bin),
        RESOLD_TRACTOR: (MachineStatus.REGISTERED, "10", SHEVCHENKO.iin, None),
    }
    assert {k: (p.machine_id, p.status) for k, p in stored_plates.items()} == {
        "AGR P 101": (MTZ, PlateStatus.ACTIVE),
        "AGR A 101": (KIROVETS_K744R4, PlateStatus.ACTIVE),
        "AGR P 201": (DT75, PlateStatus.ARCHIVED),
        "AGR P 102": (RESOLD_TRACTOR, PlateStatus.ACTIVE),
    }
    assert {(p.number, p.machine_id, p.status) for p in stored_passports} == {
        ("KS 0000101", MTZ, PassportStatus.VALID),
        ("AL 0000101", KIROVETS_K744R4, PassportStatus.VALID),
        ("KS 0000201", DT75, PassportStatus.ANNULLED),
        ("KS 0000102", RESOLD_TRACTOR, PassportStatus.VALID),
    }
    assert [e.action for e in await history(database, DT75)] == [
        Action.REGISTRATION,
        Action.DEREGISTRATION,
    ]
    assert all(e.application_number is None for e in await history(database, MTZ))


def test_seed_agrees_with_bmg_and_the_personas() -> None:
    """БМГ has every registry plate, with the same machine, holder and date: ISSUED when the
    plate is on a registered machine, STORED when it went to the archive."""
    rows = seed_rows()
    machines = {m["machine_id"]: m for m in rows.machines}
    bmg = {r["plate"]: r for r in bmg_seed.plates() if r["kind"] is PlateKind.MACHINERY}
    held = {p for p, r in bmg.items() if r["status"] is not BankStatus.FREE}
    assert held == {p["plate"] for p in rows.plates}
    for plate in rows.plates:
        bank, owner = bmg[plate["plate"]], machines[plate["machine_id"]]
        archived = plate["status"] is PlateStatus.ARCHIVED
        assert bank["status"] == ("STORED" if archived else "ISSUED")
        assert (bank["machine_id"], bank["iin"], bank["bin"]) == (
            plate["machine_id"],
            owner["owner_iin"],
            owner["owner_bin"],
        )
        assert bank["status_since"] == (owner["updated_at"] if archived else plate["assigned_at"])
    catalogue = yaml.safe_load((ROOT / "personas" / "catalogue.yaml").read_text())
    never_registered = {m["vin"] for m in catalogue["machines"]} - {RESOLD_TRACTOR}
    assert never_registered == {
        FARMER_TRACTOR,
        FARMER_KIROVETS,
        "X9R595P04SR001562",
        "Y3P2PTS4XSB004211",
        ROAD_ROLLER,
    }
    assert not never_registered & set(machines)
    owner = _epsm(RESOLD_TRACTOR)["owner"]
    assert (owner["iin"], owner["name"]) == (SHEVCHENKO.iin, machines[RESOLD_TRACTOR]["owner_name"])
    assert {m.passport[:2] for m in SEEDED} == {"KS", "AL"}


async def test_seed_is_applied_once_per_version(any_database: Database) -> None:
    """The fixture applied it; again changes nothing, so what was entered since stays."""
    async with any_database.sessionmaker.begin() as session:
        await session.execute(
            update(Machine).where(Machine.machine_id == MTZ).values(name="renamed by a tester")
        )
    async with any_database.sessionmaker.begin() as session:
        await seed(session, bus_clock)
    async with any_database.sessionmaker() as session:
        versions = (await session.execute(select(seed_versions.c.name))).scalars().all()
    assert versions == ["machine_registry"]
    stored = await machine(any_database, MTZ)
    assert stored is not None
    assert stored.name == "renamed by a tester"
    assert len(await history(any_database, MTZ)) == 1


# fmt: off
REFUSED_ON_A_REGISTERED_MACHINE = [
    (Action.DUPLICATE, FARMER_TRACTOR, FARMER, "AGR P 101", "10", "MACHINE_NOT_REGISTERED"),
    (Action.DUPLICATE, DT75, BEREKE, "AGR P 201", "10", "MACHINE_DEREGISTERED"),
    (Action.REREGISTRATION, MTZ, FARMER, "AGR P 101", "02", "MACHINE_IN_OTHER_REGION"),
    (Action.PLATE, MTZ, BEREKE, "AGR P 039", "10", "REGISTRY_PLATE_UNKNOWN"),
    (Action.DEREGISTRATION, MTZ, BEREKE, "AGR P 102", "10", "PLATE_OF_OTHER_MACHINE"),
    (Action.DEREGISTRATION, MTZ, FARMER, "AGR P 101", "10", "MACHINE_OWNER_MISMATCH"),
    (Action.DUPLICATE, MTZ, FARMER, "AGR P 101", "10", "MACHINE_OWNER_MISMATCH"),
    (Action.PLATE, RESOLD_TRACTOR, FARMER, "AGR P 102", "10", "MACHINE_OWNER_MISMATCH"),
]
# fmt: on
"""M10.3: action, machine, applicant, the application's plate and region, the code."""


# --- M10.3: the plate check -------------------------------------------------------------------


async def test_m10_3_a_machine_never_registered_may_be_registered(database: Database) -> None:
    record = await check(database, application(Action.REGISTRATION, FARMER_TRACTOR, FARMER))
    assert (record.step, record.name, record.passed, record.code) == ("M10.3", "PLATE", True, None)
    assert record.details == {"machineId": FARMER_TRACTOR, "inRegistry": False}


@pytest.mark.step("M10.3", "MACHINE_ALREADY_REGISTERED")
async def test_m10_3_a_registered_machine_cannot_be_registered_again(database: Database) -> None:
    record = await check(database, application(Action.REGISTRATION, MTZ, BEREKE))
    assert (record.passed, record.code) == (False, "MACHINE_ALREADY_REGISTERED")
    assert record.messages is not None
    assert all("AGR P 101" in text for text in record.messages.values())
    assert {k: record.details[k] for k in ("status", "plate", "technicalPassport", "owner")} == {
        "status": "REGISTERED",
        "plate": "AGR P 101",
        "technicalPassport": "KS 0000101",
        "owner": {"iin": None, "bin": BEREKE.bin, "name": BEREKE.name},
    }


async def test_m10_3_a_machine_in_the_archive_may_be_registered_again(database: Database) -> None:
    record = await check(database, application(Action.REGISTRATION, DT75, BEREKE))
    assert (record.passed, record.code) == (True, None)
    details = record.details
    assert (details["status"], details["inArchive"], details["plate"]) == (
        "DEREGISTERED",
        True,
        None,
    )
    assert [(p["plate"], p["status"]) for p in details["plates"]] == [("AGR P 201", "ARCHIVED")]
    assert [(p["number"], p["status"]) for p in details["technicalPassports"]] == [
        ("KS 0000201", "ANNULLED")
    ]


async def test_m10_3_reregistration_reports_the_owner_it_changes(database: Database) -> None:
    app = application(Action.REREGISTRATION, RESOLD_TRACTOR, FARMER, plate="AGR P 102")
    record = await check(database, app)
    assert (record.passed, record.code) == (True, None)
    assert record.details["owner"] == {"iin": SHEVCHENKO.iin, "bin": None, "name": SHEVCHENKO.name}
    assert record.details["applicantIsOwner"] is False
    assert record.details["requestedPlate"] == {
        "plate": "AGR P 102",
        "inRegistry": True,
        "machineId": RESOLD_TRACTOR,
        "status": "ACTIVE",
    }


@pytest.mark.parametrize("action", sorted(OWNER_ONLY))
async def test_m10_3_the_owner_may_act_on_its_registered_machine(
    database: Database, action: Action
) -> None:
    record = await check(database, application(action, MTZ, BEREKE, plate="AGR P 101"))
    assert (record.passed, record.details["applicantIsOwner"]) == (True, True)


@pytest.mark.parametrize(
    ("action", "machine_id", "applicant", "plate", "region", "code"),
    REFUSED_ON_A_REGISTERED_MACHINE,
    ids=[f"{row[0].value}-{row[5]}" for row in REFUSED_ON_A_REGISTERED_MACHINE],
)
async def test_m10_3_each_reason_a_registered_machine_cannot_be_acted_on(
    database: Database,
    action: Action,
    machine_id: str,
    applicant: Owner,
    plate: str,
    region: str,
    code: str,
) -> None:
    app = application(action, machine_id, applicant, plate=plate, region=region)
    record = await check(database, app)
    assert (record.step, record.passed, record.code) == ("M10.3", False, code)
    assert record.messages is not None
    assert set(record.messages) == {"ru", "kk", "en"}
    assert all(machine_id in text or plate in text for text in record.messages.values())
    assert record.details["machineId"] == machine_id
    assert record.details["requestedPlate"]["plate"] == plate


async def test_m10_3_an_archived_plate_of_a_registered_machine(database: Database) -> None:
    async with database.sessionmaker.begin() as session:
        registry = RegistryRepository(session)
        assert await registry.archive_plate(MTZ, "AGR P 101")
        assert await registry.add_plate("AGR P 038", MTZ, "10", NOW)
    app = application(Action.DUPLICATE, MTZ, BEREKE, plate="AGR P 101")
    record = await check(database, app)
    assert (record.passed, record.code) == (False, "PLATE_ARCHIVED")
    assert record.messages is not None
    assert "AGR P 038" in record.messages["ru"]
    assert record.details["plate"] == "AGR P 038"


# fmt: off
FIELDS_OF_ACTIONS = [
    (Action.REGISTRATION, FARMER_TRACTOR, FARMER, None, None, "AGR P 031", "REQUIRED", "tp"),
    (Action.REGISTRATION, FARMER_TRACTOR, FARMER, None, "KS 0001001", None, "REQUIRED", "p"),
    (Action.REREGISTRATION, RESOLD_TRACTOR, FARMER, "AGR P 102", None, None, "REQUIRED", "tp"),
    (Action.DEREGISTRATION, MTZ, BEREKE, "AGR P 101", "KS 0001001", None, "NOT_ALLOWED", "tp"),
    (Action.DEREGISTRATION, MTZ, BEREKE, "AGR P 101", None, "AGR P 031", "NOT_ALLOWED", "p"),
    (Action.DUPLICATE, MTZ, BEREKE, "AGR P 101", None, None, "REQUIRED", "tp"),
    (Action.DUPLICATE, MTZ, BEREKE, "AGR P 101", "KS 0001001", "AGR P 031", "NOT_ALLOWED", "p"),
    (Action.PLATE, MTZ, BEREKE, "AGR P 101", None, None, "REQUIRED", "p"),
    (Action.PLATE, MTZ, BEREKE, "AGR P 101", "KS 0001001", "AGR P 031", "NOT_ALLOWED", "tp"),
]
# fmt: on
"""M12: action, machine, applicant, its plate, the entry's passport and plate, the refusal
(ENTRY_FIELD_…) and the field (tp: technicalPassport, p: plate)."""


# --- M12: the refusals of an entry ------------------------------------------------------------


async def test_m12_the_machine_id_must_be_the_applications(
    database: Database, offline: GatewayClient
) -> None:
    app = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER)
    data = entry(FARMER_KIROVETS, passport="KS 0001001", plate="AGR P 031")
    problem = await refused(database, offline, app, data)
    assert (problem.status, problem.code, problem.field) == (
        422,
        "ENTRY_MACHINE_ID_MISMATCH",
        "machineId",
    )
    assert FARMER_TRACTOR in problem.messages()["en"]


async def test_m12_a_vin_with_a_wrong_check_digit_is_a_typo(
    database: Database, offline: GatewayClient
) -> None:
    digit = FARMER_TRACTOR[8]
    typo = FARMER_TRACTOR[:8] + ("7" if digit != "7" else "8") + FARMER_TRACTOR[9:]
    assert vin_check_digit(typo) != typo[8]
    app = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER)
    problem = await refused(database, offline, app, entry(typo, passport="KS 0001001"))
    assert (problem.status, problem.code, problem.field) == (
        422,
        "ENTRY_VIN_CHECK_DIGIT",
        "machineId",
    )
    assert f"должен быть {vin_check_digit(typo)}" in problem.messages()["ru"]


@pytest.mark.parametrize(
    ("action", "machine_id", "applicant", "plate", "passport_in", "plate_in", "code", "field"),
    FIELDS_OF_ACTIONS,
    ids=[f"{row[0].value}-{row[7]}-{row[6]}" for row in FIELDS_OF_ACTIONS],
)
async def test_m12_each_action_takes_its_own_fields(
    database: Database,
    offline: GatewayClient,
    action: Action,
    machine_id: str,
    applicant: Owner,
    plate: str | None,
    passport_in: str | None,
    plate_in: str | None,
    code: str,
    field: str,
) -> None:
    app = application(action, machine_id, applicant, plate=plate)
    data = entry(machine_id, passport=passport_in, plate=plate_in)
    problem = await refused(database, offline, app, data)
    assert (problem.status, problem.code) == (422, f"ENTRY_FIELD_{code}")
    assert problem.field == {"tp": "technicalPassport", "p": "plate"}[field]
    messages = problem.messages()
    assert "{" not in "".join(messages.values())


@pytest.mark.parametrize(
    ("plate", "code"),
    [
        ("AGR P 000", "MACHINERY_PLATE_FORMAT"),
        ("AGR A 031", "MACHINERY_PLATE_REGION"),  # Almaty city's letter at a Kostanay office
        ("AGR Z 031", "MACHINERY_PLATE_REGION"),  # no region has Z
    ],
)
async def test_m12_the_plate_is_a_machinery_plate_of_the_offices_region(
    database: Database, offline: GatewayClient, plate: str, code: str
) -> None:
    app = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER)
    data = entry(FARMER_TRACTOR, passport="KS 0001001", plate=plate)
    problem = await refused(database, offline, app, data)
    assert (problem.status, problem.code, problem.field) == (422, code, "plate")
    if code == "MACHINERY_PLATE_REGION":
        assert "P" in problem.messages()["en"].split("letter ")[-1]


@pytest.mark.parametrize(
    ("plate", "status"),
    [("AGR P 101", "на учёте"), ("AGR P 201", "архив")],
    ids=["active", "archived"],
)
async def test_m12_a_plate_the_registry_ever_had_is_never_given_again(
    database: Database, offline: GatewayClient, plate: str, status: str
) -> None:
    app = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER)
    data = entry(FARMER_TRACTOR, passport="KS 0001001", plate=plate)
    problem = await refused(database, offline, app, data)
    assert (problem.status, problem.code, problem.field) == (
        409,
        "PLATE_ALREADY_IN_REGISTRY",
        "plate",
    )
    assert status in problem.messages()["ru"]


@pytest.mark.parametrize("number", ["KS 0000102", "KS 0000201"])
async def test_m12_a_technical_passport_number_is_used_once(
    database: Database, offline: GatewayClient, number: str
) -> None:
    app = application(Action.DUPLICATE, MTZ, BEREKE, plate="AGR P 101")
    problem = await refused(database, offline, app, entry(MTZ, passport=number))
    assert (problem.status, problem.code, problem.field) == (
        409,
        "TECHNICAL_PASSPORT_TAKEN",
        "technicalPassport",
    )
    assert await passports(database, MTZ) == {"KS 0000101": (PassportStatus.VALID, False)}


@pytest.mark.parametrize(
    ("app", "data", "code"),
    [
        (
            application(Action.REGISTRATION, MTZ, BEREKE),
            entry(MTZ, passport="KS 0001001", plate="AGR P 031"),
            "MACHINE_ALREADY_REGISTERED",
        ),
        (
            application(Action.DUPLICATE, MTZ, FARMER, plate="AGR P 101"),
            entry(MTZ, passport="KS 0001001"),
            "MACHINE_OWNER_MISMATCH",
        ),
        (
            application(Action.DEREGISTRATION, DT75, BEREKE, plate="AGR P 201"),
            entry(DT75),
            "MACHINE_DEREGISTERED",
        ),
    ],
    ids=["registered", "not-the-owner", "deregistered"],
)
async def test_m12_the_registry_must_still_be_as_m10_3_requires(
    database: Database,
    offline: GatewayClient,
    app: MachineryApplication,
    data: EntryIn,
    code: str,
) -> None:
    problem = await refused(database, offline, app, data)
    assert (problem.status, problem.code, problem.field) == (409, code, "machineId")


async def test_m12_bmg_out_of_reach_is_a_503_and_changes_nothing(
    database: Database, offline: GatewayClient
) -> None:
    app = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER)
    data = entry(FARMER_TRACTOR, passport="KS 0001001", plate="AGR P 031")
    problem = await refused(database, offline, app, data)
    assert (problem.status, problem.code, problem.extra["registry"]) == (
        503,
        "PLATE_CHECK_UNAVAILABLE",
        "БМГ",
    )
    assert await machine(database, FARMER_TRACTOR) is None


# --- M12: what each action does to the registry -----------------------------------------------


def _epsm_check(vin: str) -> list[Any]:
    """M10.1 as the provider's desk records it: the ЭПСМ passport's summary in its details."""
    passport = _epsm(vin)
    summary = {
        "number": passport["number"],
        "name": passport["commercialName"],
        "year": passport["yearOfManufacture"],
        "category": passport["category"],
    }
    return [
        {"step": "M10.1", "name": "DOCUMENTS", "passed": True, "details": {"passport": summary}}
    ]


async def test_m12_registration_enters_the_machine_and_bmg_issues_its_plate(
    bus_database: Database, gateway: GatewayClient
) -> None:
    app = application(
        Action.REGISTRATION, FARMER_TRACTOR, FARMER, checks=_epsm_check(FARMER_TRACTOR)
    )
    data = entry(FARMER_TRACTOR, passport="KS 0001031", plate="AGR P 031")
    result = await entered(bus_database, gateway, app, data)
    assert result == {
        "action": "REGISTRATION",
        "machineId": FARMER_TRACTOR,
        "technicalPassport": "KS 0001031",
        "duplicate": False,
        "plate": "AGR P 031",
        "replacedTechnicalPassport": None,
        "annulledTechnicalPassport": None,
        "archivedPlate": None,
        "issueAt": instant(ISSUE_AT),
        "enteredAt": instant(NOW),
    }
    stored = await machine(bus_database, FARMER_TRACTOR)
    assert stored is not None
    assert (stored.status, stored.name, stored.year, stored.region, stored.owner_iin) == (
        MachineStatus.REGISTERED,
        "Беларус-82.1",
        2025,
        "10",
        FARMER.iin,
    )
    assert await plates(bus_database, FARMER_TRACTOR) == {"AGR P 031": PlateStatus.ACTIVE}
    assert await passports(bus_database, FARMER_TRACTOR) == {
        "KS 0001031": (PassportStatus.VALID, False)
    }
    (event,) = await history(bus_database, FARMER_TRACTOR)
    assert (event.action, event.plate, event.passport_number, event.application_number) == (
        Action.REGISTRATION,
        "AGR P 031",
        "KS 0001031",
        app.number,
    )
    bank = await in_bmg(gateway, "AGR P 031")
    assert (bank["status"], bank["iin"], bank["machineId"]) == (
        "ISSUED",
        FARMER.iin,
        FARMER_TRACTOR,
    )
    again = await check(bus_database, application(Action.REGISTRATION, FARMER_TRACTOR, FARMER))
    assert again.code == "MACHINE_ALREADY_REGISTERED"


async def test_m12_registration_without_epsm_data_names_the_machine_by_its_id(
    bus_database: Database, gateway: GatewayClient
) -> None:
    app = application(
        Action.REGISTRATION,
        ROAD_ROLLER,
        STROY_INVEST,
        region="02",
        kind=MachineKind.ROAD_BUILDING,
    )
    data = entry(ROAD_ROLLER, passport="AL 0001031", plate="AGR A 031")
    await entered(bus_database, gateway, app, data)
    stored = await machine(bus_database, ROAD_ROLLER)
    assert stored is not None
    assert (stored.name, stored.year, stored.kind, stored.owner_bin, stored.region) == (
        ROAD_ROLLER,
        2025,  # the VIN's model year (S)
        MachineKind.ROAD_BUILDING,
        STROY_INVEST.bin,
        "02",
    )
    bank = await in_bmg(gateway, "AGR A 031")
    assert (bank["status"], bank["bin"], bank["iin"]) == ("ISSUED", STROY_INVEST.bin, None)


async def test_m12_a_machine_from_the_archive_is_registered_again(
    bus_database: Database, gateway: GatewayClient
) -> None:
    app = application(Action.REGISTRATION, DT75, BEREKE)
    await entered(bus_database, gateway, app, entry(DT75, passport="KS 0001032", plate="AGR P 032"))
    stored = await machine(bus_database, DT75)
    assert stored is not None
    assert (stored.status, stored.name, stored.year) == (MachineStatus.REGISTERED, "ДТ-75", 1991)
    assert await plates(bus_database, DT75) == {
        "AGR P 032": PlateStatus.ACTIVE,
        "AGR P 201": PlateStatus.ARCHIVED,
    }
    assert await passports(bus_database, DT75) == {
        "KS 0001032": (PassportStatus.VALID, False),
        "KS 0000201": (PassportStatus.ANNULLED, False),
    }
    assert [e.action for e in await history(bus_database, DT75)] == [
        Action.REGISTRATION,
        Action.DEREGISTRATION,
        Action.REGISTRATION,
    ]


async def test_m12_reregistration_changes_the_owner_and_the_passport_and_keeps_the_plate(
    database: Database, offline: GatewayClient
) -> None:
    """No new plate, so БМГ is not asked (the gateway here answers nobody)."""
    app = application(Action.REREGISTRATION, RESOLD_TRACTOR, FARMER, plate="AGR P 102")
    result = await entered(database, offline, app, entry(RESOLD_TRACTOR, passport="KS 0001102"))
    assert {k: result[k] for k in ("technicalPassport", "plate", "replacedTechnicalPassport")} == {
        "technicalPassport": "KS 0001102",
        "plate": "AGR P 102",
        "replacedTechnicalPassport": "KS 0000102",
    }
    stored = await machine(database, RESOLD_TRACTOR)
    assert stored is not None
    assert (stored.owner_iin, stored.owner_name, stored.status) == (
        FARMER.iin,
        FARMER.name,
        MachineStatus.REGISTERED,
    )
    assert await passports(database, RESOLD_TRACTOR) == {
        "KS 0001102": (PassportStatus.VALID, False),
        "KS 0000102": (PassportStatus.REPLACED, False),
    }
    assert await plates(database, RESOLD_TRACTOR) == {"AGR P 102": PlateStatus.ACTIVE}
    event = (await history(database, RESOLD_TRACTOR))[-1]
    assert (event.action, event.owner_iin, event.application_number) == (
        Action.REREGISTRATION,
        FARMER.iin,
        app.number,
    )


async def test_m12_reregistration_with_a_new_plate_archives_the_old_one(
    bus_database: Database, gateway: GatewayClient
) -> None:
    app = application(Action.REREGISTRATION, RESOLD_TRACTOR, FARMER, plate="AGR P 102")
    data = entry(RESOLD_TRACTOR, passport="KS 0001033", plate="AGR P 033")
    result = await entered(bus_database, gateway, app, data)
    assert (result["plate"], result["archivedPlate"]) == ("AGR P 033", "AGR P 102")
    assert await plates(bus_database, RESOLD_TRACTOR) == {
        "AGR P 033": PlateStatus.ACTIVE,
        "AGR P 102": PlateStatus.ARCHIVED,
    }
    bank = await in_bmg(gateway, "AGR P 033")
    assert (bank["status"], bank["iin"], bank["machineId"]) == (
        "ISSUED",
        FARMER.iin,
        RESOLD_TRACTOR,
    )


async def test_m12_deregistration_archives_the_plate_and_annuls_the_passport(
    database: Database, offline: GatewayClient
) -> None:
    app = application(Action.DEREGISTRATION, MTZ, BEREKE, plate="AGR P 101")
    result = await entered(database, offline, app, entry(MTZ))
    assert {k: result[k] for k in ("technicalPassport", "plate")} == {
        "technicalPassport": None,
        "plate": None,
    }
    assert (result["annulledTechnicalPassport"], result["archivedPlate"]) == (
        "KS 0000101",
        "AGR P 101",
    )
    stored = await machine(database, MTZ)
    assert stored is not None
    assert stored.status is MachineStatus.DEREGISTERED
    assert await passports(database, MTZ) == {"KS 0000101": (PassportStatus.ANNULLED, False)}
    assert await plates(database, MTZ) == {"AGR P 101": PlateStatus.ARCHIVED}
    event = (await history(database, MTZ))[-1]
    assert (event.action, event.plate, event.passport_number) == (
        Action.DEREGISTRATION,
        "AGR P 101",
        "KS 0000101",
    )
    # In the archive now: it may be registered again, its plate is never given again.
    assert (await check(database, application(Action.REGISTRATION, MTZ, BEREKE))).passed
    again = application(Action.REGISTRATION, MTZ, BEREKE)
    problem = await refused(
        database, offline, again, entry(MTZ, passport="KS 0001034", plate="AGR P 101")
    )
    assert problem.code == "PLATE_ALREADY_IN_REGISTRY"


async def test_m12_duplicate_replaces_the_technical_passport(
    database: Database, offline: GatewayClient
) -> None:
    owner = Owner(bmg_seed._person(94), None, "Омаров Бекзат Муратович")
    app = application(Action.DUPLICATE, KIROVETS_K744R4, owner, plate="AGR A 101", region="02")
    result = await entered(database, offline, app, entry(KIROVETS_K744R4, passport="AL 0001101"))
    assert {k: result[k] for k in ("technicalPassport", "duplicate", "plate")} == {
        "technicalPassport": "AL 0001101",
        "duplicate": True,
        "plate": "AGR A 101",
    }
    assert await passports(database, KIROVETS_K744R4) == {
        "AL 0001101": (PassportStatus.VALID, True),
        "AL 0000101": (PassportStatus.REPLACED, False),
    }
    assert await plates(database, KIROVETS_K744R4) == {"AGR A 101": PlateStatus.ACTIVE}
    assert (await history(database, KIROVETS_K744R4))[-1].action is Action.DUPLICATE


async def test_m12_plate_replaces_the_plate_and_bmg_issues_it(
    bus_database: Database, gateway: GatewayClient
) -> None:
    app = application(Action.PLATE, MTZ, BEREKE, plate="AGR P 101")
    result = await entered(bus_database, gateway, app, entry(MTZ, plate="AGR P 034"))
    assert {k: result[k] for k in ("technicalPassport", "plate", "archivedPlate")} == {
        "technicalPassport": "KS 0000101",
        "plate": "AGR P 034",
        "archivedPlate": "AGR P 101",
    }
    assert await plates(bus_database, MTZ) == {
        "AGR P 034": PlateStatus.ACTIVE,
        "AGR P 101": PlateStatus.ARCHIVED,
    }
    assert await passports(bus_database, MTZ) == {"KS 0000101": (PassportStatus.VALID, False)}
    event = (await history(bus_database, MTZ))[-1]
    assert (event.action, event.plate, event.application_number) == (
        Action.PLATE,
        "AGR P 034",
        app.number,
    )
    bank = await in_bmg(gateway, "AGR P 034")
    assert (bank["status"], bank["bin"], bank["machineId"]) == ("ISSUED", BEREKE.bin, MTZ)


# --- M12 and БМГ ------------------------------------------------------------------------------


async def test_m12_a_plate_bmg_gave_another_machine_is_refused(
    bus_database: Database, gateway: GatewayClient
) -> None:
    elsewhere = {
        "plate": "AGR P 035",
        "bin": BEREKE.bin,
        "machineId": "SEEDER-0000035",
        "idempotencyKey": f"test-{uuid.uuid4()}",
    }
    await gateway.call("BMG_Issue", elsewhere)
    app = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER)
    data = entry(FARMER_TRACTOR, passport="KS 0001035", plate="AGR P 035")
    problem = await refused(bus_database, gateway, app, data)
    assert (problem.status, problem.code, problem.field) == (409, "BMG_PLATE_NOT_FREE", "plate")
    assert "ISSUED" in problem.messages()["en"]
    assert await machine(bus_database, FARMER_TRACTOR) is None


async def test_m12_a_plate_bmg_does_not_have_is_refused(
    bus_database: Database, gateway: GatewayClient
) -> None:
    app = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER)
    data = entry(FARMER_TRACTOR, passport="KS 0001150", plate="AGR P 950")
    problem = await refused(bus_database, gateway, app, data)
    assert (problem.status, problem.code) == (409, "BMG_PLATE_NOT_FREE")
    assert "NOT_FOUND" in problem.messages()["en"]


class _Crash(Exception):
    """The desk's process dying after БМГ issued the plate, before its own commit."""


async def test_m12_a_retry_after_a_crash_gets_bmgs_first_issue(
    bus_database: Database, gateway: GatewayClient
) -> None:
    key = str(uuid.uuid4())
    data = entry(FARMER_TRACTOR, passport="KS 0001036", plate="AGR P 036")
    first = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER, application_id=key)

    async def crashing() -> None:
        async with bus_database.sessionmaker.begin() as session:
            session.add(first)
            await enter(session, gateway, first, data, NOW)
            raise _Crash

    with pytest.raises(_Crash):
        await crashing()
    assert await machine(bus_database, FARMER_TRACTOR) is None
    assert (await in_bmg(gateway, "AGR P 036"))["status"] == "ISSUED"
    retry = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER, application_id=key)
    result = await entered(bus_database, gateway, retry, data)
    assert result["plate"] == "AGR P 036"
    bank = await in_bmg(gateway, "AGR P 036")
    assert [e["action"] for e in bank["history"]] == ["ISSUED"]


async def test_m12_bmg_refusing_the_issue_is_a_409_on_the_plate_with_bmgs_reason(
    bus_database: Database, gateway: GatewayClient
) -> None:
    """Another plate entered after an issue whose answer was lost: БМГ refuses the key the
    first issue took, and the desk answers that refusal as its own on `plate`, БМГ's code as
    the reason; the whole document is pinned."""
    key = str(uuid.uuid4())
    first = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER, application_id=key)

    async def crashing() -> None:
        async with bus_database.sessionmaker.begin() as session:
            session.add(first)
            data = entry(FARMER_TRACTOR, passport="KS 0001039", plate="AGR P 039")
            await enter(session, gateway, first, data, NOW)
            raise _Crash

    with pytest.raises(_Crash):
        await crashing()
    retry = application(Action.REGISTRATION, FARMER_TRACTOR, FARMER, application_id=key)
    data = entry(FARMER_TRACTOR, passport="KS 0001039", plate="AGR P 040")
    problem = await refused(bus_database, gateway, retry, data)
    reason = "PLATE_IDEMPOTENCY_KEY_REUSED"
    assert problem.to_dict("en") == {
        "type": "urn:egov-bus:problem:BMG_PLATE_REFUSED",
        "title": f"The number bank (БМГ) refused to issue the plate AGR P 040: {reason}",
        "status": 409,
        "detail": f"The number bank (БМГ) refused to issue the plate AGR P 040: {reason}",
        "code": "BMG_PLATE_REFUSED",
        "messages": texts_for("BMG_PLATE_REFUSED").render(
            {"plate": "AGR P 040", "reason": reason, "registry": "БМГ", "field": "plate"}
        ),
        "field": "plate",
        "step": "M12",
        "registry": "БМГ",
    }
    assert await machine(bus_database, FARMER_TRACTOR) is None
    assert (await in_bmg(gateway, "AGR P 040"))["status"] == "FREE"


async def test_m12_bmg_failing_to_issue_rolls_the_entry_back(
    bus_database: Database, gateway: GatewayClient, bus: BusPlan
) -> None:
    rule = {
        "kind": "error",
        "serviceId": "BMG_Issue",
        "senderId": "frontoffice_service",
        "errorCode": "PROVIDER_UNAVAILABLE",
        "status": 503,
        "count": 1,
    }
    async with async_client(base_url=bus.url("gateway"), timeout=15) as http:
        added = await http.post("/admin/faults", json=rule, headers=ADMIN)
    assert added.status_code in (200, 201), added.text
    app = application(Action.PLATE, MTZ, BEREKE, plate="AGR P 101")
    problem = await refused(bus_database, gateway, app, entry(MTZ, plate="AGR P 037"))
    assert (problem.status, problem.code) == (503, "PLATE_CHECK_UNAVAILABLE")
    assert await plates(bus_database, MTZ) == {"AGR P 101": PlateStatus.ACTIVE}
    assert (await in_bmg(gateway, "AGR P 037"))["status"] == "FREE"
    again = application(Action.PLATE, MTZ, BEREKE, plate="AGR P 101")
    assert (await entered(bus_database, gateway, again, entry(MTZ, plate="AGR P 037")))["plate"]


# --- what the database decides ----------------------------------------------------------------


async def test_the_registry_keeps_one_valid_passport_and_one_active_plate_per_machine(
    any_database: Database,
) -> None:
    async with any_database.sessionmaker.begin() as session:
        registry = RegistryRepository(session)
        assert not await registry.add_passport("KS 0009999", MTZ, duplicate=False, now=NOW)
        assert not await registry.add_passport("KS 0000102", DT75, duplicate=False, now=NOW)
        assert not await registry.add_plate("AGR P 040", MTZ, "10", NOW)
        assert not await registry.add_plate("AGR P 102", DT75, "10", NOW)
        assert await registry.add_passport("KS 0009999", DT75, duplicate=False, now=NOW)
    assert await passports(any_database, MTZ) == {"KS 0000101": (PassportStatus.VALID, False)}
    assert await plates(any_database, MTZ) == {"AGR P 101": PlateStatus.ACTIVE}


async def test_m12_changes_only_the_state_m10_3_saw(any_database: Database) -> None:
    """Every change is conditional: after the owner or the plate changed, it matches nothing."""
    async with any_database.sessionmaker.begin() as session:
        registry = RegistryRepository(session)
        changes = {"owner_iin": FARMER.iin, "owner_name": FARMER.name, "updated_at": NOW}
        assert await registry.update_machine(
            RESOLD_TRACTOR, status=MachineStatus.REGISTERED, owner=SHEVCHENKO, values=changes
        )
        assert not await registry.update_machine(
            RESOLD_TRACTOR, status=MachineStatus.REGISTERED, owner=SHEVCHENKO, values=changes
        )
        assert not await registry.update_machine(
            DT75, status=MachineStatus.REGISTERED, owner=None, values={"updated_at": NOW}
        )
        assert await registry.archive_plate(RESOLD_TRACTOR, "AGR P 102")
        assert not await registry.archive_plate(RESOLD_TRACTOR, "AGR P 102")
        assert await registry.retire_passport(DT75, PassportStatus.REPLACED) is None


async def test_m12_two_entries_of_one_passport_number_at_once_one_wins(
    any_database: Database, offline: GatewayClient
) -> None:
    """One wins, the other is a 409. On PostgreSQL the second entry's checks run before the
    first commits, and the primary key refuses its insert; SQLite's single writer makes the
    second wait, and then its check refuses it."""
    first = application(Action.DUPLICATE, MTZ, BEREKE, plate="AGR P 101")
    second = application(Action.DUPLICATE, RESOLD_TRACTOR, SHEVCHENKO, plate="AGR P 102")
    async with any_database.sessionmaker.begin() as session:
        session.add(first)
        await enter(session, offline, first, entry(MTZ, passport="KS 0005555"), NOW)
        racing = asyncio.create_task(
            refused(any_database, offline, second, entry(RESOLD_TRACTOR, passport="KS 0005555"))
        )
        await asyncio.sleep(0.3)  # the second runs its checks and waits on the first's lock
    problem = await racing
    assert (problem.status, problem.code) == (409, "TECHNICAL_PASSPORT_TAKEN")
    assert await passports(any_database, RESOLD_TRACTOR) == {
        "KS 0000102": (PassportStatus.VALID, False)
    }
    assert await passports(any_database, MTZ) == {
        "KS 0005555": (PassportStatus.VALID, True),
        "KS 0000101": (PassportStatus.REPLACED, False),
    }
