"""M10.3 (`check_plate`): what the registry says about the application's machine and plate,
before the provider decides: a machine to register is not registered already; for every other
action the machine is registered in the provider's region, the plate the applicant named is its
plate now, and (except for a re-registration, where the owner changes) the applicant owns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.catalogue import Action
from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.machinery.schemas import CheckRecord
from frontoffice_service.provider.machine_registry.models import (
    Machine,
    MachineStatus,
    PassportStatus,
    PlateStatus,
    RegistryPlate,
)
from frontoffice_service.provider.machine_registry.owners import owner_of
from frontoffice_service.provider.machine_registry.repository import RegistryRepository
from servicekit.clock import instant
from servicekit.messages import texts_for

CHECK_STEP, CHECK_NAME = "M10.3", "PLATE"


OWNER_ONLY = frozenset({Action.DEREGISTRATION, Action.DUPLICATE, Action.PLATE})
"""Actions only the registered owner may ask for; a re-registration is the new owner's."""


@dataclass(frozen=True, slots=True)
class Finding:
    """The registry's verdict on an application: `code` is None when it may go ahead."""

    code: str | None
    params: dict[str, Any]
    details: dict[str, Any]
    machine: Machine | None = None


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


async def find(registry: RegistryRepository, application: MachineryApplication) -> Finding:
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
    is_owner = owner_of(machine).matches(application.applicant_iin, application.applicant_bin)
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
    finding = await find(RegistryRepository(session), application)
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
