"""M12 (`enter`): what the provider types in after the approval — the new technical
passport's number, the new plate, the machine's identifier read from its documents — checked,
БМГ asked to issue the new plate, and the registry changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.catalogue import ACTION_NAMES, Action
from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.provider.machine_registry import bmg
from frontoffice_service.provider.machine_registry.changes import (
    APPLY,
    ENTRY_STEP,
    Entry,
    passport_taken,
    plate_taken,
)
from frontoffice_service.provider.machine_registry.check import find
from frontoffice_service.provider.machine_registry.labels import FIELD_NAMES
from frontoffice_service.provider.machine_registry.owners import applicant_of, owner_columns
from frontoffice_service.provider.machine_registry.repository import RegistryRepository
from frontoffice_service.provider.schemas import EntryIn
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.identifiers import IdentifierError, parse_vin, vin_check_digit
from servicekit.plates import REGION_LETTERS, PlateError, parse_machinery_plate

log = structlog.get_logger(__name__)

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


def _require_machine_id(application: MachineryApplication, entry: EntryIn) -> None:
    """The identifier read from the documents is the application's; a VIN's check digit
    catches a typo before the mismatch would hide it."""
    entered = entry.machine_id
    try:
        vin = parse_vin(entered)
    except IdentifierError:
        vin = None  # a factory number: no check digit to test
    if vin is not None and not vin.check_digit_valid:
        raise StepRefusal(
            "ENTRY_VIN_CHECK_DIGIT",
            step=ENTRY_STEP,
            field="machineId",
            vin=entered,
            found=entered[8],
            expected=vin_check_digit(entered),
        )
    if entered != application.machine_id:
        raise StepRefusal(
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
        raise StepRefusal(
            "ENTRY_FIELD_REQUIRED" if need == REQUIRED else "ENTRY_FIELD_NOT_ALLOWED",
            step=ENTRY_STEP,
            field=name,
            action=ACTION_NAMES[action].param(),
            what=FIELD_NAMES[name].param(),
        )


def _new_plate(application: MachineryApplication, text: str | None) -> str | None:
    """The new plate as a machinery plate of the office's region (its provider issues it)."""
    if text is None:
        return None
    expected = REGION_LETTERS.get(application.region, "—")
    wrong_region = StepRefusal(
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
        raise StepRefusal(
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
        raise plate_taken(plate, known)
    if passport is not None and await registry.passport(passport) is not None:
        raise passport_taken(passport)


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
    finding = await find(registry, application)
    if finding.code is not None:
        raise StepRefusal(
            finding.code, step=ENTRY_STEP, status=409, field="machineId", **finding.params
        )
    await _require_unused(registry, plate, entry.technical_passport)
    if plate is not None:
        await bmg.require_free(gateway, application, plate)
    e = Entry(registry, application, entry, plate, now, finding)
    result = await APPLY[application.action](e)
    if plate is not None:
        await bmg.issue_plate(gateway, application, plate)
    await registry.record(
        {
            "machine_id": application.machine_id,
            "action": application.action,
            "at": now,
            # Whoever the machine is registered to after the act: the applicant, who either
            # owned it (M10.3) or just became its owner (a registration, a re-registration).
            **owner_columns(applicant_of(application)),
            "plate": result["plate"] or result["archivedPlate"],
            "passport_number": result["technicalPassport"] or result["annulledTechnicalPassport"],
            "application_number": application.number,
        }
    )
    log.info("machinery registry entry", application=application.number, action=application.action)
    return result
