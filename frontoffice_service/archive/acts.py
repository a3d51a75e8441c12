"""M17: the acceptance act drawn up — every due application of the office in no other act —
and the document both parties sign."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import ProviderOfficer
from frontoffice_service.archive.models import ActStatus, ArchiveAct
from frontoffice_service.archive.repository import ArchiveRepository
from frontoffice_service.archive.visibility import provider_office
from frontoffice_service.machinery.catalogue import CHECKLISTS, Action
from frontoffice_service.machinery.models import MachineryApplication
from servicekit.clock import ALMATY
from servicekit.errors import StepRefusal
from servicekit.service_centres import ServiceCentre

log = structlog.get_logger(__name__)

ACTIONS_RU = {
    Action.REGISTRATION: "регистрация",
    Action.REREGISTRATION: "перерегистрация",
    Action.DEREGISTRATION: "снятие с учёта",
    Action.DUPLICATE: "дубликат технического паспорта",
    Action.PLATE: "выдача номерного знака",
}


_DOCUMENT_NAMES = {item.code: item.names.ru for items in CHECKLISTS.values() for item in items}


_PROVIDER_NAMES = {"02": "Акимат города Алматы", "10": "Акимат Костанайской области"}


COPIES = ("Экземпляр № 1 — для фронт-офиса", "Экземпляр № 2 — для услугодателя")


def present_documents(application: MachineryApplication) -> list[dict[str, str]]:
    """The paper the office holds for an application: what the worker found present (M6.2)."""
    return [
        {"code": item["code"], "name": _DOCUMENT_NAMES.get(item["code"], item["code"])}
        for item in application.package or []
        if item.get("present")
    ]


def act_document(
    *,
    number: str,
    day: date,
    centre: ServiceCentre,
    officer: ProviderOfficer,
    applications: Sequence[MachineryApplication],
) -> dict[str, Any]:
    """What both parties sign (M17). Only JSON strings, numbers and lists, so that the
    canonical bytes rebuilt from the stored JSON are the bytes that were signed."""
    listed: list[dict[str, Any]] = []
    documents = 0
    for application in applications:
        assert application.keep_until is not None  # the due rule selected it by keep_until
        present = present_documents(application)
        documents += len(present)
        listed.append(
            {
                "number": application.number,
                "applicant": application.applicant_name,
                "action": application.action.value,
                "machineId": application.machine_id,
                "sentOn": application.sent_at.astimezone(ALMATY).date().isoformat()
                if application.sent_at
                else None,
                "keepUntil": application.keep_until.isoformat(),
                "documents": present,
            }
        )
    return {
        "kind": "MACHINERY_ARCHIVE_ACCEPTANCE_ACT",
        "step": "M17",
        "number": number,
        "date": day.isoformat(),
        "copies": len(COPIES),
        "office": {
            "id": centre.id,
            "name": centre.name,
            "nameKk": centre.name_kk,
            "address": centre.address,
            "region": centre.region_code,
        },
        "provider": {
            "bin": officer.organisation_bin,
            "name": _PROVIDER_NAMES.get(officer.region, f"Акимат региона {officer.region}"),
            "region": officer.region,
            "drawnUpBy": officer.iin,
        },
        "applications": listed,
        "documentCount": documents,
    }


async def draw_up(
    session: AsyncSession, officer: ProviderOfficer, office: str, now: datetime
) -> ArchiveAct:
    """M17: an act for every application of `office` whose month is over (M16) and that is in
    no other act; 409 ARCHIVE_NOTHING_DUE when there is none."""
    centre = provider_office(officer, office)
    today = now.astimezone(ALMATY).date()
    archive = ArchiveRepository(session)
    act_id = str(uuid.uuid4())
    # The act is written first: the applications point at it, and the write makes the
    # draw-ups of one office take turns — SQLite's write lock, or on PostgreSQL the claim
    # below waiting for the rows a concurrent draw-up claimed (then finding them taken). Its
    # number, which counts the office's acts of the day, is given once it has won; until then
    # the act's own id stands in, as unique as the number must be.
    act = ArchiveAct(
        id=act_id,
        number=act_id,
        office=centre.id,
        region=centre.region_code,
        status=ActStatus.DRAFT,
        document={},
        created_at=now,
        created_by=officer.iin,
    )
    await archive.add_act(act)
    await archive.claim(act.id, centre.id, today, now)
    applications = await archive.listed(act.id)
    if not applications:
        # Rolled back with the request: the act vanishes.
        raise StepRefusal(
            "ARCHIVE_NOTHING_DUE", step="M16", status=409, field="office", office=office
        )
    prefix = f"{centre.id}-{today:%Y%m%d}-"
    act.number = f"{prefix}{await archive.acts_numbered(prefix) + 1}"
    act.document = act_document(
        number=act.number, day=today, centre=centre, officer=officer, applications=applications
    )
    await session.flush()
    log.info("archive act drawn up", act=act.number, applications=len(applications))
    return act
