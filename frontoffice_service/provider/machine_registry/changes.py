"""M12: the change of the registry each action makes, once the entry is checked. Every change
is conditional on the state M10.3 saw; a lost race is a 409 (REGISTRY_ENTRY_CONFLICT)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontoffice_service.machinery.catalogue import Action
from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.provider.machine_registry.check import Finding
from frontoffice_service.provider.machine_registry.labels import PLATE_STATUS_NAMES
from frontoffice_service.provider.machine_registry.models import (
    MachineStatus,
    PassportStatus,
    RegistryPlate,
)
from frontoffice_service.provider.machine_registry.owners import (
    Owner,
    applicant_of,
    owner_columns,
    owner_of,
)
from frontoffice_service.provider.machine_registry.repository import RegistryRepository
from frontoffice_service.provider.schemas import EntryIn
from servicekit.clock import instant
from servicekit.errors import StepRefusal
from servicekit.identifiers import IdentifierError, model_year, parse_vin

ENTRY_STEP = "M12"


def plate_taken(plate: str, known: RegistryPlate) -> StepRefusal:
    return StepRefusal(
        "PLATE_ALREADY_IN_REGISTRY",
        step=ENTRY_STEP,
        status=409,
        field="plate",
        plate=plate,
        plate_status=PLATE_STATUS_NAMES[known.status].param(),
    )


def passport_taken(number: str) -> StepRefusal:
    return StepRefusal(
        "TECHNICAL_PASSPORT_TAKEN",
        step=ENTRY_STEP,
        status=409,
        field="technicalPassport",
        number=number,
    )


def entry_conflict() -> StepRefusal:
    return StepRefusal("REGISTRY_ENTRY_CONFLICT", step=ENTRY_STEP, status=409, field="machineId")


@dataclass(frozen=True, slots=True)
class Entry:
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


def _machine_data(e: Entry) -> tuple[str, int]:
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


def _model_year(e: Entry) -> int:
    try:
        code = parse_vin(e.machine_id).model_year_code
    except IdentifierError:
        return 0  # a factory number says nothing of the year
    return model_year(code, e.now.year) or 0


async def _add_passport(e: Entry, *, duplicate: bool) -> str:
    number = e.entry.technical_passport
    assert number is not None  # ENTRY_FIELDS: every action that gets here issues one
    if not await e.registry.add_passport(number, e.machine_id, duplicate=duplicate, now=e.now):
        # Inserted meanwhile by another entry: its number, or a second valid passport.
        raise passport_taken(number) if await e.registry.passport(number) else entry_conflict()
    return number


async def _add_plate(e: Entry) -> str:
    plate = e.plate
    assert plate is not None
    if not await e.registry.add_plate(plate, e.machine_id, e.application.region, e.now):
        known = await e.registry.plate(plate)
        raise plate_taken(plate, known) if known else entry_conflict()
    return plate


async def _take_off_plate(e: Entry) -> str:
    """The application's plate, the machine's active one as M10.3 saw it, → ARCHIVED."""
    plate = e.application.plate
    if plate is None or not await e.registry.archive_plate(e.machine_id, plate):
        raise entry_conflict()
    return plate


async def _retire_passport(e: Entry, status: PassportStatus) -> str:
    number = await e.registry.retire_passport(e.machine_id, status)
    if number is None:
        raise entry_conflict()  # a registered machine has a valid passport: another entry took it
    return number


async def _still_registered(e: Entry, values: dict[str, Any], *, owner: Owner) -> None:
    """Apply `values` to the machine if it is as M10.3 saw it: registered, with `owner`."""
    if not await e.registry.update_machine(
        e.machine_id,
        status=MachineStatus.REGISTERED,
        owner=owner,
        values={"updated_at": e.now, **values},
    ):
        raise entry_conflict()


async def _register(e: Entry) -> dict[str, Any]:
    name, year = _machine_data(e)
    values = {
        "kind": e.application.machine_kind,
        "name": name,
        "year": year,
        "region": e.application.region,
        **owner_columns(applicant_of(e.application)),
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
        raise entry_conflict()
    passport = await _add_passport(e, duplicate=False)
    return e.outcome(technicalPassport=passport, plate=await _add_plate(e))


async def _reregister(e: Entry) -> dict[str, Any]:
    assert e.finding.machine is not None  # M10.3 found it registered
    seller = owner_of(e.finding.machine)
    await _still_registered(e, owner_columns(applicant_of(e.application)), owner=seller)
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


async def _deregister(e: Entry) -> dict[str, Any]:
    owner = applicant_of(e.application)
    await _still_registered(e, {"status": MachineStatus.DEREGISTERED}, owner=owner)
    annulled = await _retire_passport(e, PassportStatus.ANNULLED)
    archived = await _take_off_plate(e)
    return e.outcome(annulledTechnicalPassport=annulled, archivedPlate=archived)


async def _duplicate(e: Entry) -> dict[str, Any]:
    await _still_registered(e, {}, owner=applicant_of(e.application))
    replaced = await _retire_passport(e, PassportStatus.REPLACED)
    passport = await _add_passport(e, duplicate=True)
    return e.outcome(
        technicalPassport=passport,
        duplicate=True,
        plate=e.application.plate,
        replacedTechnicalPassport=replaced,
    )


async def _replace_plate(e: Entry) -> dict[str, Any]:
    await _still_registered(e, {}, owner=applicant_of(e.application))
    archived = await _take_off_plate(e)
    return e.outcome(
        technicalPassport=e.finding.details.get("technicalPassport"),
        plate=await _add_plate(e),
        archivedPlate=archived,
    )


APPLY: dict[Action, Callable[[Entry], Awaitable[dict[str, Any]]]] = {
    Action.REGISTRATION: _register,
    Action.REREGISTRATION: _reregister,
    Action.DEREGISTRATION: _deregister,
    Action.DUPLICATE: _duplicate,
    Action.PLATE: _replace_plate,
}
