"""M6.5, M9: the electronic application formed, signed with the worker's ЭЦП and sent to the
provider of the office's region through the outbox; the paper basis stays (M16)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import Worker
from frontoffice_service.machinery.catalogue import checklist
from frontoffice_service.machinery.desk.package import presented_codes
from frontoffice_service.machinery.desk.tickets import visit_over
from frontoffice_service.machinery.keeping import keep_until
from frontoffice_service.machinery.models import (
    ApplicationStatus,
    ArchiveStatus,
    MachineryApplication,
    MachineryScan,
)
from frontoffice_service.machinery.repository import ScanRepository
from frontoffice_service.machinery.states import require_status
from frontoffice_service.signing import require_signature
from servicekit.documents import canonical, sha256
from servicekit.errors import StepRefusal
from servicekit.events import MachineryApplicationSent
from servicekit.gateway_client import GatewayClient
from servicekit.outbox import Outbox
from servicekit.service_centres import service_centre
from servicekit.states import set_state

log = structlog.get_logger(__name__)


def application_document(
    app: MachineryApplication, scans_of: list[MachineryScan]
) -> dict[str, Any]:
    """M6.5: the electronic application the worker signs and the provider receives (M9):
    who applies and how identified, the machine, the action, the package with each scan's
    SHA-256, and the fees. Its canonical bytes are what the digest of M3 is taken over."""
    centre = service_centre(app.office)
    needed = checklist(app.action, app.applicant_kind, first_registration=app.first_registration)
    by_code = {s.document_code: s for s in scans_of}
    return {
        "kind": "MACHINERY_SERVICE_APPLICATION",
        "number": app.number,
        "action": app.action.value,
        "office": {
            "id": app.office,
            "name": centre.name if centre else app.office,
            "region": app.region,
        },
        "applicant": {
            "kind": app.applicant_kind.value,
            "iin": app.applicant_iin,
            "bin": app.applicant_bin,
            "name": app.applicant_name,
            "phone": app.phone,
        },
        "visitor": {
            "iin": app.visitor_iin,
            "name": app.visitor_name,
            "role": app.visitor_role.value,
            "identification": app.identification.value,
            "biometrics": app.biometrics,
            "powerOfAttorney": app.power_of_attorney,
        },
        "machine": {
            "id": app.machine_id,
            "kind": app.machine_kind.value,
            "plate": app.plate,
            "firstRegistration": app.first_registration,
        },
        "documents": [
            {
                "code": item.code,
                "name": item.names.ru,
                "scan": (
                    {
                        "sha256": by_code[item.code].sha256,
                        "contentType": by_code[item.code].content_type,
                        "size": by_code[item.code].size,
                    }
                    if item.code in by_code
                    else None
                ),
            }
            for item in needed
        ],
        "fees": app.fees or [],
        "formedBy": app.created_by,
    }


async def document_to_sign(session: AsyncSession, app: MachineryApplication) -> dict[str, Any]:
    require_status(app, ApplicationStatus.FEES_CONFIRMED, step="M6.5")
    scans_of = list(await ScanRepository(session).scans(app.id))
    _require_scans(app, scans_of)
    return application_document(app, scans_of)


def _require_scans(app: MachineryApplication, scans_of: list[MachineryScan]) -> None:
    have = {s.document_code for s in scans_of}
    lacking = [code for code in presented_codes(app) if code not in have]
    if lacking:
        raise StepRefusal(
            "SCANS_MISSING",
            step="M6.4",
            status=409,
            extra={"documents": lacking},
            documents=", ".join(lacking),
        )


async def sign_and_send(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    outbox: Outbox,
    app: MachineryApplication,
    worker: Worker,
    cms: str,
    now: datetime,
) -> MachineryApplication:
    """M6.5: the worker's ЭЦП over the application; M9: it leaves for the provider of the
    office's region through the outbox, with the digest of what was signed (M3). The paper
    basis stays at the office for a month from today (M16)."""
    document = await document_to_sign(session, app)
    await require_signature(gateway, document, cms, signer_iin=worker.iin, step="M6.5")
    text = canonical(document)
    app.document = document
    app.digest = sha256(text)
    app.worker_cms = cms
    app.signed_by = worker.iin
    app.sent_at = now
    set_state(app, ApplicationStatus.SENT)
    app.archive_status = ArchiveStatus.AT_OFFICE
    app.keep_until = keep_until(now)
    app.updated_at = now
    event = MachineryApplicationSent(
        occurred_at=now,
        application_number=app.number,
        region=app.region,
        office=app.office,
        document=text.decode(),
        digest=app.digest,
        cms=cms,
        worker_iin=worker.iin,
    )
    await outbox.stage(session, event)
    await visit_over(session, app, now)
    log.info("machinery application sent", application=app.number, region=app.region)
    return app
