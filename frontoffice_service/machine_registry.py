"""The provider's machinery registry (M10.3, M12): the machines an akimat registered, their
technical passports and plates, and the history of every registration act, as the provider's
desk (АРМ ГО) inside ИИС ЦОН 2.0 keeps them. Deregistered machines, annulled passports and
archived plates stay in it: that is the data archive M10.3 looks into.

M10.3 (`check_plate`) answers from the registry what the provider must know before deciding:
a machine to register is not registered already; for every other action the machine is
registered in the provider's region, the plate the applicant named is its plate now, and
(except for a re-registration, where the owner changes) the applicant owns it.

M12 (`enter`) takes what the provider types in after the approval — the new technical
passport's number, the new plate, the machine's identifier read from its documents — checks
it, has БМГ issue a new plate, and changes the registry. The database decides between two
entries at once: every change is a conditional UPDATE on the state the check saw, or an INSERT
that a primary key or a unique index refuses (one valid passport and one active plate per
machine), and a lost race is a 409.

Seed (`seed`, applied once per version of it) — the machines registered before the bus's
data begins, agreeing with БМГ's seed (number_bank/seed.py: the same plates, holders, machine
ids and dates) and with the personas (personas/catalogue.yaml):

- MTZ-82.1-0801234, Беларус-82.1 of КХ «Береке» (БИН 100543088028), Kostanay: plate
  AGR P 101, technical passport KS 0000101 — a registered machine of a legal entity;
- K-744R4-0000317, Кировец К-744Р4, Almaty city: plate AGR A 101, passport AL 0000101, owned
  by the synthetic person БМГ's seed issued AGR A 101 to (its ИИН made the same way; the person
  is not in ГБД ФЛ) — a registered machine of the other pilot region;
- DT-75-0120006, ДТ-75 of КХ «Береке», Kostanay: DEREGISTERED, plate AGR P 201 ARCHIVED (БМГ
  keeps it STORED), passport KS 0000201 ANNULLED — the data archive: it may be registered
  again, its plate never given again;
- Y4R122124SB010455, Беларус-1221.2 of Шевченко Ольга Николаевна (821203414816), Kostanay:
  plate AGR P 102, passport KS 0000102 — the tractor the farmer (700327314440) re-registers
  after buying it.

The farmer's Беларус-82.1 and К-744Р3, Береке's combine and trailer and Строй Инвест's road
roller have ЭПСМ passports but are not here: they were never registered (the registrations of
the happy paths). Technical passport numbers are this project's model of the form: a series of
two letters (KS Kostanay, AL Almaty city) and seven digits. A new version of the seed replaces
these four machines, with everything entered for them since.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

import frontoffice_service.machinery_problems  # noqa: F401  (the codes below)
from frontoffice_service.machinery import ACTION_NAMES, Action, MachineKind
from frontoffice_service.machinery_models import (
    Machine,
    MachineryApplication,
    MachineStatus,
    PassportStatus,
    PlateStatus,
    RegistryEvent,
    RegistryPlate,
    TechnicalPassport,
)
from frontoffice_service.machinery_schemas import CheckRecord, EntryIn
from frontoffice_service.models import seed_versions
from frontoffice_service.problems import Refusal
from servicekit.clock import Clock, instant
from servicekit.db import insert_new
from servicekit.gateway_client import GatewayClient, GatewayFault, GatewayUnreachable
from servicekit.identifiers import (
    IdentifierError,
    Sex,
    make_iin,
    model_year,
    parse_vin,
    vin_check_digit,
)
from servicekit.messages import Texts, texts_for
from servicekit.plates import REGION_LETTERS, PlateError, parse_machinery_plate
from servicekit.seeding import apply_seed, digest_of

log = structlog.get_logger(__name__)

CHECK_STEP, CHECK_NAME = "M10.3", "PLATE"
ENTRY_STEP = "M12"
BMG = "БМГ"
PLATE_STATUS, ISSUE = "BMG_PlateStatus", "BMG_Issue"

OWNER_ONLY = frozenset({Action.DEREGISTRATION, Action.DUPLICATE, Action.PLATE})
"""Actions only the registered owner may ask for; a re-registration is the new owner's."""


# --- the registry's SQL ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owner:
    iin: str | None
    bin: str | None
    name: str

    def matches(self, iin: str | None, bin_: str | None) -> bool:
        return (self.iin, self.bin) == (iin, bin_)


def _owner_of(machine: Machine) -> Owner:
    return Owner(machine.owner_iin, machine.owner_bin, machine.owner_name)


def _is(column: Any, value: str | None) -> ColumnElement[bool]:
    result: ColumnElement[bool] = column.is_(None) if value is None else column == value
    return result


def _changed(result: Any) -> bool:
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def machine(self, machine_id: str) -> Machine | None:
        return await self.session.get(Machine, machine_id, populate_existing=True)

    async def plate(self, plate: str) -> RegistryPlate | None:
        return await self.session.get(RegistryPlate, plate, populate_existing=True)

    async def passport(self, number: str) -> TechnicalPassport | None:
        return await self.session.get(TechnicalPassport, number, populate_existing=True)

    async def plates_of(self, machine_id: str) -> Sequence[RegistryPlate]:
        """The machine's plates, the newest first."""
        result = await self.session.scalars(
            select(RegistryPlate)
            .where(RegistryPlate.machine_id == machine_id)
            .order_by(RegistryPlate.assigned_at.desc(), RegistryPlate.plate)
        )
        return result.all()

    async def passports_of(self, machine_id: str) -> Sequence[TechnicalPassport]:
        """The machine's technical passports, the newest first."""
        result = await self.session.scalars(
            select(TechnicalPassport)
            .where(TechnicalPassport.machine_id == machine_id)
            .order_by(TechnicalPassport.issued_at.desc(), TechnicalPassport.number)
        )
        return result.all()

    async def add_machine(self, values: dict[str, Any]) -> bool:
        """A machine never registered here; False if its id is taken (meanwhile)."""
        return await self._insert_if_new(Machine, values, Machine.machine_id)

    async def add_passport(
        self, number: str, machine_id: str, *, duplicate: bool, now: datetime
    ) -> bool:
        """A VALID passport; False if the number exists or the machine has a valid one."""
        values = {
            "number": number,
            "machine_id": machine_id,
            "duplicate": duplicate,
            "status": PassportStatus.VALID,
            "issued_at": now,
        }
        return await self._insert_if_new(TechnicalPassport, values, TechnicalPassport.number)

    async def add_plate(self, plate: str, machine_id: str, region: str, now: datetime) -> bool:
        """An ACTIVE plate; False if the plate exists or the machine has an active one."""
        values = {
            "plate": plate,
            "machine_id": machine_id,
            "region": region,
            "status": PlateStatus.ACTIVE,
            "assigned_at": now,
        }
        return await self._insert_if_new(RegistryPlate, values, RegistryPlate.plate)

    async def _insert_if_new(self, table: type[Any], values: dict[str, Any], key: Any) -> bool:
        # ON CONFLICT DO NOTHING without a target covers the partial unique indexes too, and
        # on PostgreSQL it waits for a concurrent insert of the same key to commit or roll back.
        return await self.session.scalar(insert_new(table, key)(self.session), values) is not None

    async def update_machine(
        self,
        machine_id: str,
        *,
        status: MachineStatus,
        owner: Owner | None,
        values: dict[str, Any],
    ) -> bool:
        """Change the machine if it still is in `status` (and with `owner`, when given): the
        state the check saw. False if another entry changed it first."""
        conditions = [Machine.machine_id == machine_id, Machine.status == status]
        if owner is not None:
            conditions += [_is(Machine.owner_iin, owner.iin), _is(Machine.owner_bin, owner.bin)]
        result = await self.session.execute(
            update(Machine)
            .where(*conditions)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        return _changed(result)

    async def retire_passport(self, machine_id: str, status: PassportStatus) -> str | None:
        """The machine's VALID passport → `status`; its number, or None if it had none."""
        number: str | None = await self.session.scalar(
            update(TechnicalPassport)
            .where(
                TechnicalPassport.machine_id == machine_id,
                TechnicalPassport.status == PassportStatus.VALID,
            )
            .values(status=status)
            .returning(TechnicalPassport.number)
            .execution_options(synchronize_session=False)
        )
        return number

    async def archive_plate(self, machine_id: str, plate: str) -> bool:
        """The machine's ACTIVE plate `plate` → ARCHIVED; False if it is not that (any more)."""
        result = await self.session.execute(
            update(RegistryPlate)
            .where(
                RegistryPlate.plate == plate,
                RegistryPlate.machine_id == machine_id,
                RegistryPlate.status == PlateStatus.ACTIVE,
            )
            .values(status=PlateStatus.ARCHIVED)
            .execution_options(synchronize_session=False)
        )
        return _changed(result)

    async def record(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(RegistryEvent).values(values))

    async def replace_seeded(self, machine_ids: list[str], rows: SeedRows) -> None:
        """Remove the seeded machines with all they have, then write them as seeded."""
        for table in (RegistryEvent, RegistryPlate, TechnicalPassport, Machine):
            await self.session.execute(delete(table).where(table.machine_id.in_(machine_ids)))
        await self.session.execute(insert(Machine), rows.machines)
        await self.session.execute(insert(TechnicalPassport), rows.passports)
        await self.session.execute(insert(RegistryPlate), rows.plates)
        await self.session.execute(insert(RegistryEvent), rows.history)


# --- the seed ---------------------------------------------------------------------------------


BMG_SEEDED_AT = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
"""БМГ's seed time (number_bank/seed.py SEEDED_AT): when it put AGR P 201 on storage, the
ДТ-75's deregistration."""


def _bmg_day(n: int) -> datetime:
    """When БМГ's seed issued its n-th plate (SEEDED_AT − 30 − n days there): the registration
    that put the plate on the machine."""
    return BMG_SEEDED_AT - timedelta(days=30 + n)


BEREKE = Owner(None, "100543088028", "КХ «Береке»")
SHEVCHENKO = Owner("821203414816", None, "Шевченко Ольга Николаевна")
BMG_PERSON = Owner(make_iin(date(1994, 11, 14), Sex.MALE, 4094), None, "Омаров Бекзат Муратович")
"""The synthetic person БМГ's seed issued AGR A 101 to: its `_person(94)`, made the same way."""


@dataclass(frozen=True, slots=True)
class SeededMachine:
    machine_id: str
    name: str
    year: int
    region: str
    owner: Owner
    plate: str
    passport: str
    registered_at: datetime
    deregistered_at: datetime | None = None


SEEDED: tuple[SeededMachine, ...] = (
    SeededMachine(
        "MTZ-82.1-0801234", "Беларус-82.1", 2008, "10", BEREKE, "AGR P 101", "KS 0000101",
        _bmg_day(92),
    ),
    SeededMachine(
        "K-744R4-0000317", "Кировец К-744Р4", 2019, "02", BMG_PERSON, "AGR A 101", "AL 0000101",
        _bmg_day(94),
    ),
    SeededMachine(
        "DT-75-0120006", "ДТ-75", 1991, "10", BEREKE, "AGR P 201", "KS 0000201",
        datetime(2012, 4, 10, 4, 0, tzinfo=UTC), deregistered_at=BMG_SEEDED_AT,
    ),
    SeededMachine(
        "Y4R122124SB010455", "Беларус-1221.2", 2025, "10", SHEVCHENKO, "AGR P 102", "KS 0000102",
        _bmg_day(93),
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SeedRows:
    machines: list[dict[str, Any]]
    passports: list[dict[str, Any]]
    plates: list[dict[str, Any]]
    history: list[dict[str, Any]]


def _owner_columns(owner: Owner) -> dict[str, Any]:
    return {"owner_iin": owner.iin, "owner_bin": owner.bin, "owner_name": owner.name}


def _event(m: SeededMachine, action: Action, at: datetime) -> dict[str, Any]:
    return {
        "machine_id": m.machine_id,
        "action": action,
        "at": at,
        **_owner_columns(m.owner),
        "plate": m.plate,
        "passport_number": m.passport,
        "application_number": None,
    }


def seed_rows() -> SeedRows:
    """The rows of the four tables for `SEEDED`, in a fixed order."""
    rows = SeedRows([], [], [], [])
    for m in SEEDED:
        gone = m.deregistered_at is not None
        rows.machines.append(
            {
                "machine_id": m.machine_id,
                "kind": MachineKind.TRACTOR,  # Беларус, Кировец and ДТ-75 all are
                "name": m.name,
                "year": m.year,
                "region": m.region,
                **_owner_columns(m.owner),
                "status": MachineStatus.DEREGISTERED if gone else MachineStatus.REGISTERED,
                "updated_at": m.deregistered_at or m.registered_at,
            }
        )
        rows.passports.append(
            {
                "number": m.passport,
                "machine_id": m.machine_id,
                "duplicate": False,
                "status": PassportStatus.ANNULLED if gone else PassportStatus.VALID,
                "issued_at": m.registered_at,
            }
        )
        rows.plates.append(
            {
                "plate": m.plate,
                "machine_id": m.machine_id,
                "region": m.region,
                "status": PlateStatus.ARCHIVED if gone else PlateStatus.ACTIVE,
                "assigned_at": m.registered_at,
            }
        )
        rows.history.append(_event(m, Action.REGISTRATION, m.registered_at))
        if m.deregistered_at is not None:
            rows.history.append(_event(m, Action.DEREGISTRATION, m.deregistered_at))
    return rows


async def seed(session: AsyncSession, clock: Clock) -> None:
    rows = seed_rows()
    ids = [m.machine_id for m in SEEDED]

    async def load(session: AsyncSession) -> None:
        await RegistryRepository(session).replace_seeded(ids, rows)

    await apply_seed(
        session,
        seed_versions,
        name="machine_registry",
        digest=digest_of(orjson.dumps([rows.machines, rows.passports, rows.plates, rows.history])),
        clock=clock,
        load=load,
    )


# --- M10.3: what the registry says about the application's machine and plate ---------------


@dataclass(frozen=True, slots=True)
class Finding:
    """The registry's verdict on an application: `code` is None when it may go ahead."""

    code: str | None
    params: dict[str, Any]
    details: dict[str, Any]
    machine: Machine | None = None


def _applicant(application: MachineryApplication) -> Owner:
    return Owner(application.applicant_iin, application.applicant_bin, application.applicant_name)


async def _describe(registry: RegistryRepository, machine: Machine) -> dict[str, Any]:
    """What the registry holds on the machine, archive included, as JSON."""
    plates = await registry.plates_of(machine.machine_id)
    passports = await registry.passports_of(machine.machine_id)
    return {
        "machineId": machine.machine_id,
        "inRegistry": True,
        "status": machine.status.value,
        "name": machine.name,
        "kind": machine.kind.value,
        "year": machine.year,
        "region": machine.region,
        "owner": {"iin": machine.owner_iin, "bin": machine.owner_bin, "name": machine.owner_name},
        "plate": next((p.plate for p in plates if p.status is PlateStatus.ACTIVE), None),
        "technicalPassport": next(
            (p.number for p in passports if p.status is PassportStatus.VALID), None
        ),
        "plates": [
            {"plate": p.plate, "status": p.status.value, "assignedAt": instant(p.assigned_at)}
            for p in plates
        ],
        "technicalPassports": [
            {
                "number": p.number,
                "status": p.status.value,
                "duplicate": p.duplicate,
                "issuedAt": instant(p.issued_at),
            }
            for p in passports
        ],
    }


def _plate_view(text: str | None, plate: RegistryPlate | None) -> dict[str, Any]:
    return {
        "plate": text,
        "inRegistry": plate is not None,
        "machineId": plate.machine_id if plate else None,
        "status": plate.status.value if plate else None,
    }


async def _find(registry: RegistryRepository, application: MachineryApplication) -> Finding:
    machine = await registry.machine(application.machine_id)
    if application.action is Action.REGISTRATION:
        return await _find_unregistered(registry, application, machine)
    return await _find_registered(registry, application, machine)


async def _find_unregistered(
    registry: RegistryRepository, application: MachineryApplication, machine: Machine | None
) -> Finding:
    if machine is None:
        return Finding(None, {}, {"machineId": application.machine_id, "inRegistry": False})
    details = await _describe(registry, machine)
    if machine.status is MachineStatus.REGISTERED:
        params = {"machine_id": machine.machine_id, "plate": details["plate"] or "—"}
        return Finding("MACHINE_ALREADY_REGISTERED", params, details, machine)
    # Deregistered once and kept in the data archive: it may be registered again.
    return Finding(None, {}, details | {"inArchive": True}, machine)


async def _find_registered(
    registry: RegistryRepository, application: MachineryApplication, machine: Machine | None
) -> Finding:
    plate = await registry.plate(application.plate) if application.plate else None
    requested = _plate_view(application.plate, plate)
    params: dict[str, Any] = {
        "machine_id": application.machine_id,
        "plate": application.plate or "—",
    }
    if machine is None:
        details = {"machineId": application.machine_id, "inRegistry": False}
        return Finding("MACHINE_NOT_REGISTERED", params, details | {"requestedPlate": requested})
    is_owner = _owner_of(machine).matches(application.applicant_iin, application.applicant_bin)
    details = await _describe(registry, machine) | {
        "requestedPlate": requested,
        "applicantIsOwner": is_owner,
    }
    code, more = _problem_of_registered(application, machine, plate, is_owner=is_owner)
    if code == "PLATE_ARCHIVED":
        more["active_plate"] = details["plate"] or "—"
    return Finding(code, params | more, details, machine)


def _problem_of_registered(
    application: MachineryApplication,
    machine: Machine,
    plate: RegistryPlate | None,
    *,
    is_owner: bool,
) -> tuple[str | None, dict[str, Any]]:
    """The first thing that stops an action on a registered machine, in the order the
    provider would look: the machine, its region, the plate, the owner."""
    if machine.status is MachineStatus.DEREGISTERED:
        return "MACHINE_DEREGISTERED", {}
    if machine.region != application.region:
        return "MACHINE_IN_OTHER_REGION", {
            "machine_region": machine.region,
            "region": application.region,
        }
    if plate is None:
        return "REGISTRY_PLATE_UNKNOWN", {}
    if plate.machine_id != machine.machine_id:
        return "PLATE_OF_OTHER_MACHINE", {}
    if plate.status is not PlateStatus.ACTIVE:
        return "PLATE_ARCHIVED", {}
    if application.action in OWNER_ONLY and not is_owner:
        return "MACHINE_OWNER_MISMATCH", {}
    return None, {}


async def check_plate(session: AsyncSession, application: MachineryApplication) -> CheckRecord:
    """M10.3: the plate of this machine in the registry or its archive.

    A registration needs a machine that is not registered (one in the archive may be
    registered again); every other action needs the machine registered in the provider's
    region with the application's plate as its active plate, and — but for a
    re-registration, which changes the owner — owned by the applicant. `details` carries what
    the registry holds: owner, plate, technical passport, status and the archive."""
    finding = await _find(RegistryRepository(session), application)
    if finding.code is None:
        return CheckRecord(step=CHECK_STEP, name=CHECK_NAME, passed=True, details=finding.details)
    return CheckRecord(
        step=CHECK_STEP,
        name=CHECK_NAME,
        passed=False,
        code=finding.code,
        messages=texts_for(finding.code).render(finding.params),
        details=finding.details,
    )


# --- M12: the provider's manual entry -------------------------------------------------------

REQUIRED, OPTIONAL, FORBIDDEN = "REQUIRED", "OPTIONAL", "FORBIDDEN"
ENTRY_FIELDS: dict[Action, dict[str, str]] = {
    Action.REGISTRATION: {"technicalPassport": REQUIRED, "plate": REQUIRED},
    Action.REREGISTRATION: {"technicalPassport": REQUIRED, "plate": OPTIONAL},
    Action.DEREGISTRATION: {"technicalPassport": FORBIDDEN, "plate": FORBIDDEN},
    Action.DUPLICATE: {"technicalPassport": REQUIRED, "plate": FORBIDDEN},
    Action.PLATE: {"technicalPassport": FORBIDDEN, "plate": REQUIRED},
}
"""What each action issues, so what the provider types in (`EntryIn`): a re-registration
keeps the plate unless a new one is given."""

_FIELD_NAMES = {
    "technicalPassport": Texts(
        "номер технического паспорта", "техникалық паспорт нөмірі", "technical passport number"
    ),
    "plate": Texts("номерной знак", "нөмірлік белгі", "plate"),
}
_PLATE_STATUS_NAMES = {
    PlateStatus.ACTIVE: Texts("на учёте", "есепте", "on a registered machine"),
    PlateStatus.ARCHIVED: Texts("в архиве", "мұрағатта", "in the archive"),
}


def _require_machine_id(application: MachineryApplication, entry: EntryIn) -> None:
    """The identifier read from the documents is the application's; a VIN's check digit
    catches a typo before the mismatch would hide it."""
    entered = entry.machine_id
    try:
        vin = parse_vin(entered)
    except IdentifierError:
        vin = None  # a factory number: no check digit to test
    if vin is not None and not vin.check_digit_valid:
        raise Refusal(
            "ENTRY_VIN_CHECK_DIGIT",
            step=ENTRY_STEP,
            field="machineId",
            vin=entered,
            found=entered[8],
            expected=vin_check_digit(entered),
        )
    if entered != application.machine_id:
        raise Refusal(
            "ENTRY_MACHINE_ID_MISMATCH",
            step=ENTRY_STEP,
            field="machineId",
            entered=entered,
            expected=application.machine_id,
        )


def _require_fields(action: Action, entry: EntryIn) -> None:
    given = {"technicalPassport": entry.technical_passport, "plate": entry.plate}
    for name, need in ENTRY_FIELDS[action].items():
        if need == OPTIONAL or (need == REQUIRED) == (given[name] is not None):
            continue
        raise Refusal(
            "ENTRY_FIELD_REQUIRED" if need == REQUIRED else "ENTRY_FIELD_NOT_ALLOWED",
            step=ENTRY_STEP,
            field=name,
            action=ACTION_NAMES[action].param(),
            what=_FIELD_NAMES[name].param(),
        )


def _new_plate(application: MachineryApplication, text: str | None) -> str | None:
    """The new plate as a machinery plate of the office's region (its provider issues it)."""
    if text is None:
        return None
    expected = REGION_LETTERS.get(application.region, "—")
    wrong_region = Refusal(
        "MACHINERY_PLATE_REGION",
        step=ENTRY_STEP,
        field="plate",
        plate=text,
        region=application.region,
        expected=expected,
    )
    try:
        number = parse_machinery_plate(text)
    except PlateError as exc:
        if exc.code == "PLATE_REGION":
            raise wrong_region from None
        raise Refusal(
            "MACHINERY_PLATE_FORMAT", step=ENTRY_STEP, field="plate", plate=text
        ) from None
    if number.region_code != application.region:
        raise wrong_region
    return number.text


async def _require_unused(
    registry: RegistryRepository, plate: str | None, passport: str | None
) -> None:
    """A plate or a passport number the registry has ever had is never given again."""
    if plate is not None and (known := await registry.plate(plate)) is not None:
        raise _plate_taken(plate, known)
    if passport is not None and await registry.passport(passport) is not None:
        raise _passport_taken(passport)


def _plate_taken(plate: str, known: RegistryPlate) -> Refusal:
    return Refusal(
        "PLATE_ALREADY_IN_REGISTRY",
        step=ENTRY_STEP,
        status=409,
        field="plate",
        plate=plate,
        plate_status=_PLATE_STATUS_NAMES[known.status].param(),
    )


def _passport_taken(number: str) -> Refusal:
    return Refusal(
        "TECHNICAL_PASSPORT_TAKEN",
        step=ENTRY_STEP,
        status=409,
        field="technicalPassport",
        number=number,
    )


def _conflict() -> Refusal:
    return Refusal("REGISTRY_ENTRY_CONFLICT", step=ENTRY_STEP, status=409, field="machineId")


# БМГ: the new plate must be free there, and БМГ issues it (M12) ------------------------------


async def _ask_bmg(
    gateway: GatewayClient, service_id: str, data: dict[str, Any], plate: str
) -> dict[str, Any]:
    """БМГ's answer; its refusal of the plate is a 409, БМГ out of reach a 503 to retry."""
    try:
        response = await gateway.call(service_id, data)
    except GatewayFault as exc:
        refused = exc.refusal
        if refused is None:
            raise _bmg_unavailable(service_id, str(exc)) from None
        raise Refusal(
            "BMG_PLATE_REFUSED",
            step=ENTRY_STEP,
            status=409,
            field="plate",
            registry=BMG,
            plate=plate,
            reason=refused.error_code,
        ) from None
    except GatewayUnreachable as exc:
        raise _bmg_unavailable(service_id, str(exc)) from None
    answer = response.response_data.data
    return answer if isinstance(answer, dict) else {}


def _bmg_unavailable(service_id: str, error: str) -> Refusal:
    log.warning("БМГ unavailable for the M12 entry", service_id=service_id, error=error)
    return Refusal("PLATE_CHECK_UNAVAILABLE", step=ENTRY_STEP, status=503, registry=BMG)


async def _require_free_in_bmg(
    gateway: GatewayClient, application: MachineryApplication, plate: str
) -> None:
    answer = await _ask_bmg(gateway, PLATE_STATUS, {"plate": plate}, plate)
    view = answer.get("plate") if answer.get("found") else None
    status = view.get("status") if isinstance(view, dict) else None
    if status == "FREE":
        return
    if status == "ISSUED" and isinstance(view, dict) and _issued_to(view, application):
        return  # this entry's own issue, committed in БМГ before a crash here: BMG_Issue repeats it
    raise Refusal(
        "BMG_PLATE_NOT_FREE",
        step=ENTRY_STEP,
        status=409,
        field="plate",
        registry=BMG,
        plate=plate,
        bmg_status=status or "NOT_FOUND",
    )


def _issued_to(view: dict[str, Any], application: MachineryApplication) -> bool:
    return (view.get("machineId"), view.get("iin"), view.get("bin")) == (
        application.machine_id,
        application.applicant_iin,
        application.applicant_bin,
    )


async def _issue_in_bmg(
    gateway: GatewayClient, application: MachineryApplication, plate: str
) -> None:
    recipient = (
        {"iin": application.applicant_iin}
        if application.applicant_iin
        else {"bin": application.applicant_bin}
    )
    request = {
        "plate": plate,
        **recipient,
        "machineId": application.machine_id,
        # One key per application: a retry after a crash or a lost answer gets БМГ's first
        # issue instead of PLATE_ALREADY_ISSUED, and an entry with another plate after an
        # issue whose answer was lost is refused by БМГ (the key is taken) instead of giving
        # the machine a second plate. A refusal is not kept under the key: another plate
        # may be entered after one.
        "idempotencyKey": f"{application.id}:M12",
    }
    await _ask_bmg(gateway, ISSUE, request, plate)


# The changes of each action ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    registry: RegistryRepository
    application: MachineryApplication
    entry: EntryIn
    plate: str | None
    """The new plate, checked; None when the action keeps (or takes off) the plate."""
    now: datetime
    finding: Finding

    @property
    def machine_id(self) -> str:
        return self.application.machine_id

    def outcome(self, **fields: Any) -> dict[str, Any]:
        return {
            "action": self.application.action.value,
            "machineId": self.machine_id,
            "technicalPassport": None,
            "duplicate": False,
            "plate": None,
            "replacedTechnicalPassport": None,
            "annulledTechnicalPassport": None,
            "archivedPlate": None,
            "issueAt": instant(self.entry.issue_at),
            "enteredAt": instant(self.now),
            **fields,
        }


def _from_epsm(checks: list[Any] | None) -> tuple[str, int | None] | None:
    """Name and year of the machine as M10.1 read them in ЭПСМ: its DOCUMENTS check keeps the
    passport's summary in `details.passport` (name, year), when the machine has a VIN."""
    for check in checks or []:
        details = check.get("details") if isinstance(check, dict) else None
        passport = details.get("passport") if isinstance(details, dict) else None
        if isinstance(passport, dict) and check.get("step") == "M10.1" and passport.get("name"):
            year = passport.get("year")
            return str(passport["name"]), year if isinstance(year, int) else None
    return None


def _machine_data(e: _Entry) -> tuple[str, int]:
    """Name and year of a machine being registered: from ЭПСМ if M10.1 kept them, else what
    the archive knew, else the identifier and a VIN's model year (0: unknown, the column has
    no NULL)."""
    machine = e.finding.machine
    known = (machine.name, machine.year) if machine else (e.machine_id, _model_year(e))
    epsm = _from_epsm(e.application.checks)
    if epsm is None:
        return known
    name, year = epsm
    return name, known[1] if year is None else year


def _model_year(e: _Entry) -> int:
    try:
        code = parse_vin(e.machine_id).model_year_code
    except IdentifierError:
        return 0  # a factory number says nothing of the year
    return model_year(code, e.now.year) or 0


async def _add_passport(e: _Entry, *, duplicate: bool) -> str:
    number = e.entry.technical_passport
    assert number is not None  # ENTRY_FIELDS: every action that gets here issues one
    if not await e.registry.add_passport(number, e.machine_id, duplicate=duplicate, now=e.now):
        # Inserted meanwhile by another entry: its number, or a second valid passport.
        raise _passport_taken(number) if await e.registry.passport(number) else _conflict()
    return number


async def _add_plate(e: _Entry) -> str:
    plate = e.plate
    assert plate is not None
    if not await e.registry.add_plate(plate, e.machine_id, e.application.region, e.now):
        known = await e.registry.plate(plate)
        raise _plate_taken(plate, known) if known else _conflict()
    return plate


async def _take_off_plate(e: _Entry) -> str:
    """The application's plate, the machine's active one as M10.3 saw it, → ARCHIVED."""
    plate = e.application.plate
    if plate is None or not await e.registry.archive_plate(e.machine_id, plate):
        raise _conflict()
    return plate


async def _retire_passport(e: _Entry, status: PassportStatus) -> str:
    number = await e.registry.retire_passport(e.machine_id, status)
    if number is None:
        raise _conflict()  # a registered machine has a valid passport: another entry took it
    return number


async def _still_registered(e: _Entry, values: dict[str, Any], *, owner: Owner) -> None:
    """Apply `values` to the machine if it is as M10.3 saw it: registered, with `owner`."""
    if not await e.registry.update_machine(
        e.machine_id,
        status=MachineStatus.REGISTERED,
        owner=owner,
        values={"updated_at": e.now, **values},
    ):
        raise _conflict()


async def _register(e: _Entry) -> dict[str, Any]:
    name, year = _machine_data(e)
    values = {
        "kind": e.application.machine_kind,
        "name": name,
        "year": year,
        "region": e.application.region,
        **_owner_columns(_applicant(e.application)),
        "status": MachineStatus.REGISTERED,
        "updated_at": e.now,
    }
    if e.finding.machine is None:
        added = await e.registry.add_machine({"machine_id": e.machine_id, **values})
    else:  # back from the archive
        added = await e.registry.update_machine(
            e.machine_id, status=MachineStatus.DEREGISTERED, owner=None, values=values
        )
    if not added:
        raise _conflict()
    passport = await _add_passport(e, duplicate=False)
    return e.outcome(technicalPassport=passport, plate=await _add_plate(e))


async def _reregister(e: _Entry) -> dict[str, Any]:
    assert e.finding.machine is not None  # M10.3 found it registered
    seller = _owner_of(e.finding.machine)
    await _still_registered(e, _owner_columns(_applicant(e.application)), owner=seller)
    replaced = await _retire_passport(e, PassportStatus.REPLACED)
    passport = await _add_passport(e, duplicate=False)
    if e.plate is None:
        return e.outcome(
            technicalPassport=passport,
            plate=e.application.plate,
            replacedTechnicalPassport=replaced,
        )
    archived = await _take_off_plate(e)
    return e.outcome(
        technicalPassport=passport,
        plate=await _add_plate(e),
        replacedTechnicalPassport=replaced,
        archivedPlate=archived,
    )


async def _deregister(e: _Entry) -> dict[str, Any]:
    owner = _applicant(e.application)
    await _still_registered(e, {"status": MachineStatus.DEREGISTERED}, owner=owner)
    annulled = await _retire_passport(e, PassportStatus.ANNULLED)
    archived = await _take_off_plate(e)
    return e.outcome(annulledTechnicalPassport=annulled, archivedPlate=archived)


async def _duplicate(e: _Entry) -> dict[str, Any]:
    await _still_registered(e, {}, owner=_applicant(e.application))
    replaced = await _retire_passport(e, PassportStatus.REPLACED)
    passport = await _add_passport(e, duplicate=True)
    return e.outcome(
        technicalPassport=passport,
        duplicate=True,
        plate=e.application.plate,
        replacedTechnicalPassport=replaced,
    )


async def _replace_plate(e: _Entry) -> dict[str, Any]:
    await _still_registered(e, {}, owner=_applicant(e.application))
    archived = await _take_off_plate(e)
    return e.outcome(
        technicalPassport=e.finding.details.get("technicalPassport"),
        plate=await _add_plate(e),
        archivedPlate=archived,
    )


_APPLY: dict[Action, Callable[[_Entry], Awaitable[dict[str, Any]]]] = {
    Action.REGISTRATION: _register,
    Action.REREGISTRATION: _reregister,
    Action.DEREGISTRATION: _deregister,
    Action.DUPLICATE: _duplicate,
    Action.PLATE: _replace_plate,
}


async def enter(
    session: AsyncSession,
    gateway: GatewayClient,
    application: MachineryApplication,
    entry: EntryIn,
    now: datetime,
) -> dict[str, Any]:
    """M12: check and apply the provider's entry; the entry as JSON (for `application.entry`).

    Refusals name step M12 and the field: 422 for what is wrong in the entry itself (the
    machine's identifier, the fields the action takes, the plate's form and region), 409 for
    what the registry or БМГ already has (the plate or the passport number, a machine no
    longer as M10.3 saw it), 503 when БМГ cannot be asked. The registry is written before БМГ
    issues the plate, so a lost race is refused before anything leaves this database; a
    refusal after that (БМГ's) rolls the request back."""
    _require_machine_id(application, entry)
    _require_fields(application.action, entry)
    plate = _new_plate(application, entry.plate)
    registry = RegistryRepository(session)
    finding = await _find(registry, application)
    if finding.code is not None:
        raise Refusal(
            finding.code, step=ENTRY_STEP, status=409, field="machineId", **finding.params
        )
    await _require_unused(registry, plate, entry.technical_passport)
    if plate is not None:
        await _require_free_in_bmg(gateway, application, plate)
    e = _Entry(registry, application, entry, plate, now, finding)
    result = await _APPLY[application.action](e)
    if plate is not None:
        await _issue_in_bmg(gateway, application, plate)
    await registry.record(
        {
            "machine_id": application.machine_id,
            "action": application.action,
            "at": now,
            # Whoever the machine is registered to after the act: the applicant, who either
            # owned it (M10.3) or just became its owner (a registration, a re-registration).
            **_owner_columns(_applicant(application)),
            "plate": result["plate"] or result["archivedPlate"],
            "passport_number": result["technicalPassport"] or result["annulledTechnicalPassport"],
            "application_number": application.number,
        }
    )
    log.info("machinery registry entry", application=application.number, action=application.action)
    return result
