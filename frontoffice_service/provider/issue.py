"""M12, M11, M15: after the approval the provider enters the data by hand (the registry
validates and applies them), the applicant gets the SMS with the time and place of issue, and
the document appears in their digital documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.machinery.states import wrong_step
from frontoffice_service.provider.digital_documents.models import DigitalDocument
from frontoffice_service.provider.digital_documents.repository import DocumentRepository
from frontoffice_service.provider.machine_registry import entry as registry_entry
from frontoffice_service.provider.machine_registry.models import Machine
from frontoffice_service.provider.machine_registry.repository import RegistryRepository
from frontoffice_service.provider.notices import send_sms
from frontoffice_service.provider.schemas import EntryIn
from servicekit.clock import ALMATY, instant
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.outbox import Outbox
from servicekit.service_centres import service_centre
from servicekit.states import set_state


async def enter(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    outbox: Outbox,
    app: MachineryApplication,
    request: EntryIn,
    now: datetime,
) -> MachineryApplication:
    """M12: the data entered by hand go into the registry (validated there); then M11, the SMS
    with the time and place of issue, and M15, the digital document."""
    if app.status is not ApplicationStatus.APPROVED:
        raise wrong_step(app, "M12")
    if request.issue_at <= now:
        raise StepRefusal("ISSUE_TIME_IN_PAST", step="M11", field="issueAt")
    entered = await registry_entry.enter(session, gateway, app, request, now)
    machine = await RegistryRepository(session).machine(app.machine_id)
    centre = service_centre(app.office)
    place = f"{centre.name}, {centre.address}" if centre else app.office
    issue_at = request.issue_at.astimezone(ALMATY)
    app.entry = {**entered, "issueAt": instant(issue_at), "place": place}
    document = DigitalDocument(
        id=str(uuid.uuid4()),
        kind=_DOCUMENT_KIND[app.action.value],
        holder_iin=app.applicant_iin,
        holder_bin=app.applicant_bin,
        application_number=app.number,
        data=_document_data(app, entered, machine, now),
        issued_at=now,
    )
    await DocumentRepository(session).add(document)
    app.digital_document_id = document.id
    set_state(app, ApplicationStatus.ISSUED)
    app.issued_at = now
    app.updated_at = now
    await send_sms(
        session,
        outbox,
        app,
        "SMS_MACHINERY_READY",
        now,
        when=issue_at.strftime("%d.%m.%Y %H:%M"),
        place=place,
    )
    return app


_DOCUMENT_KIND = {
    "REGISTRATION": "MACHINE_TECHNICAL_PASSPORT",
    "REREGISTRATION": "MACHINE_TECHNICAL_PASSPORT",
    "DUPLICATE": "MACHINE_TECHNICAL_PASSPORT",
    "PLATE": "MACHINE_PLATE_CERTIFICATE",
    "DEREGISTRATION": "MACHINE_DEREGISTRATION_CERTIFICATE",
}


def _document_data(
    app: MachineryApplication, entered: dict[str, Any], machine: Machine | None, now: datetime
) -> dict[str, Any]:
    # The registry names a machine it knows nothing of by its identifier: no make and model.
    named = machine is not None and machine.name != app.machine_id
    return {
        "applicationNumber": app.number,
        "action": app.action.value,
        "holder": {"iin": app.applicant_iin, "bin": app.applicant_bin, "name": app.applicant_name},
        "machine": {
            "id": app.machine_id,
            "kind": app.machine_kind.value,
            "name": machine.name if machine is not None and named else None,
            "year": machine.year if machine is not None and machine.year else None,
        },
        "technicalPassport": entered.get("technicalPassport"),
        "plate": entered.get("plate"),
        "region": app.region,
        "issuedOn": now.astimezone(ALMATY).date().isoformat(),
    }
