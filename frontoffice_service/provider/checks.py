"""M10.1–M10.3: the provider's checks of a received application — the documents and the
machine's ЭПСМ, the applicant as the registries know them today, the plate in the provider's
machinery registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.catalogue import Applicant, checklist
from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.machinery.repository import ScanRepository
from frontoffice_service.machinery.schemas import CheckRecord
from frontoffice_service.machinery.states import wrong_step
from frontoffice_service.provider.machine_registry import check as registry_check
from frontoffice_service.registries import ask
from servicekit.gateway_client import GatewayClient
from servicekit.messages import texts_for
from servicekit.registries.gbd_fl import PERSON_BY_IIN, PersonRequest
from servicekit.registries.gbd_ul import ORGANIZATION_BY_BIN, OrganizationRequest
from servicekit.registries.notary import POWER_OF_ATTORNEY, PowerOfAttorneyRequest
from servicekit.registries.passports import MACHINE_PASSPORT, Passport, PassportRequest


async def run_checks(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication, now: datetime
) -> list[CheckRecord]:
    checks = [
        await _documents(session, gateway, app),
        await _applicant(gateway, app),
        await registry_check.check_plate(session, app),
    ]
    app.checks = [c.model_dump(mode="json", by_alias=True) for c in checks]
    app.checked_at = now
    return checks


def _check(step: str, check: str, code: str | None = None, **details: Any) -> CheckRecord:
    messages = texts_for(code).render(details) if code else None
    plain = {k: v for k, v in details.items() if not isinstance(v, dict) or k == "passport"}
    return CheckRecord(
        step=step, name=check, passed=code is None, code=code, messages=messages, details=plain
    )


async def _documents(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication
) -> CheckRecord:
    """M10.1: the package complete and valid, each presented document scanned with the very
    bytes the application names, and the machine's ЭПСМ in force (for a machine with a VIN)."""
    needed = checklist(app.action, app.applicant_kind, first_registration=app.first_registration)
    good = {d["code"] for d in app.package or [] if d["present"] and d["valid"]}
    absent = [i.code for i in needed if i.code not in good]
    if absent:
        return _check(
            "M10.1", "DOCUMENTS", "CHECK_DOCUMENTS_INCOMPLETE", documents=", ".join(absent)
        )
    stored = {s.document_code: s.sha256 for s in await ScanRepository(session).scans(app.id)}
    listed = {
        d["code"]: d["scan"]["sha256"]
        for d in (app.document or {}).get("documents", [])
        if d.get("scan")
    }
    altered = [code for code, digest in listed.items() if stored.get(code) != digest]
    if altered or set(listed) != {d["code"] for d in app.package or [] if d["present"]}:
        return _check(
            "M10.1", "DOCUMENTS", "CHECK_SCANS_ALTERED", documents=", ".join(altered) or "—"
        )
    return await _machine_passport(gateway, app)


async def _machine_passport(gateway: GatewayClient, app: MachineryApplication) -> CheckRecord:
    """M10.1 in ЭПСМ: a machine with a VIN has a passport in force, which names the applicant
    as the owner when the action is a registration."""
    if len(app.machine_id) != 17:
        return _check(
            "M10.1",
            "DOCUMENTS",
            note="no VIN: the paper passport of the machine was checked at the desk",
        )
    answer = await ask(
        gateway,
        MACHINE_PASSPORT,
        PassportRequest(vin=app.machine_id),
        step="M10.1",
        fields={"vin": "machine.id"},
    )
    if not answer.found or answer.passport is None:
        return _check(
            "M10.1", "DOCUMENTS", "CHECK_MACHINE_PASSPORT_NOT_FOUND", machine_id=app.machine_id
        )
    passport = answer.passport
    if passport.status != "VALID":
        return _check(
            "M10.1",
            "DOCUMENTS",
            "CHECK_MACHINE_PASSPORT_NOT_VALID",
            machine_id=app.machine_id,
            status_label=passport.status_label or passport.status,
        )
    owner = passport.owner
    applicant_id = app.applicant_iin or app.applicant_bin
    if app.action.value == "REGISTRATION" and (
        owner is None or applicant_id not in (owner.iin, owner.bin)
    ):
        return _check(
            "M10.1",
            "DOCUMENTS",
            "CHECK_MACHINE_OWNER_DIFFERS",
            machine_id=app.machine_id,
            owner=owner.name if owner is not None else "",
        )
    return _check(
        "M10.1",
        "DOCUMENTS",
        passport={
            "number": passport.number,
            "name": _machine_name(passport),
            "year": passport.year_of_manufacture,
            "category": passport.category,
        },
    )


def _machine_name(passport: Passport) -> str:
    """Беларус-82.1, not «Беларус Беларус-82.1»: the make only when the name lacks it."""
    make, name = passport.make, passport.commercial_name
    return name if name.startswith(make) else f"{make} {name}".strip()


async def _applicant(gateway: GatewayClient, app: MachineryApplication) -> CheckRecord:
    """M10.2: the applicant (and the representative) as the registries know them today."""
    if app.applicant_kind is Applicant.LEGAL_ENTITY:
        assert app.applicant_bin is not None
        entity = await ask(
            gateway,
            ORGANIZATION_BY_BIN,
            OrganizationRequest(bin=app.applicant_bin),
            step="M10.2",
        )
        if not entity.found or entity.organization is None:
            return _check("M10.2", "APPLICANT", "ENTITY_NOT_FOUND")
        if entity.organization.status != "ACTIVE":
            return _check(
                "M10.2", "APPLICANT", "ENTITY_NOT_ACTIVE", status_name=entity.organization.status
            )
    else:
        assert app.applicant_iin is not None
        person = await ask(
            gateway, PERSON_BY_IIN, PersonRequest(iin=app.applicant_iin), step="M10.2"
        )
        if not person.found or person.person is None:
            return _check("M10.2", "APPLICANT", "APPLICANT_NOT_FOUND")
        if person.person.life_status != "ALIVE":
            return _check(
                "M10.2", "APPLICANT", "APPLICANT_NOT_ALIVE", life_status=person.person.life_status
            )
        if person.person.full_name != app.applicant_name:
            return _check(
                "M10.2", "APPLICANT", "CHECK_APPLICANT_NAME_DIFFERS", name=person.person.full_name
            )
        power = app.power_of_attorney or {}
        if power.get("number"):
            answer = await ask(
                gateway,
                POWER_OF_ATTORNEY,
                PowerOfAttorneyRequest(
                    principal_iin=app.applicant_iin,
                    representative_iin=app.visitor_iin,
                    number=power["number"],
                ),
                step="M10.2",
                fields={
                    "principalIin": "applicant.iin",
                    "representativeIin": "visitor.iin",
                    "number": "visitor.powerOfAttorney",
                },
            )
            if not answer.valid:
                reason = (answer.messages or {}).get("ru", answer.code or "")
                return _check("M10.2", "APPLICANT", "POWER_OF_ATTORNEY_INVALID", reason=reason)
    return _check("M10.2", "APPLICANT")


async def recheck(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication, now: datetime
) -> MachineryApplication:
    if app.status is not ApplicationStatus.RECEIVED:
        raise wrong_step(app, "M10")
    await run_checks(session, gateway, app, now)
    return app
