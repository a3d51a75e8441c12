"""The application as both desks answer it (`MachineryApplicationRecord`), and what their
routes share: the application number and document code in a path, a scan's download, a step
that changes an application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Path as PathParam
from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.catalogue import checklist
from frontoffice_service.machinery.models import (
    ApplicationStatus,
    MachineryApplication,
    MachineryScan,
)
from frontoffice_service.machinery.repository import ScanRepository
from frontoffice_service.machinery.schemas import (
    ChecklistItem,
    CheckRecord,
    MachineryApplicationRecord,
    ScanRecord,
)
from frontoffice_service.routes import Once, Responses
from servicekit.errors import StepRefusal

Number = Annotated[
    str,
    PathParam(
        min_length=1,
        max_length=40,
        pattern=r"^M-[A-Z]{3}-[A-Z]+-[0-9]{8}-[0-9]{3,}$",
        description="the application's number, e.g. M-KST-KOSTANAY-20251020-001",
    ),
]


Code = Annotated[str, PathParam(pattern=r"^[A-Z_]{3,40}$", description="a checklist item's code")]


WRONG_STEP: Responses = {409: {"description": "MACHINERY_WRONG_STEP: not at this step"}}


def is_overdue(app: MachineryApplication, now: datetime) -> bool:
    return app.status is ApplicationStatus.RECEIVED and app.due_at is not None and app.due_at < now


def to_record(
    app: MachineryApplication, scans: list[MachineryScan], now: datetime
) -> MachineryApplicationRecord:
    needed = checklist(app.action, app.applicant_kind, first_registration=app.first_registration)
    return MachineryApplicationRecord(
        id=app.id,
        number=app.number,
        office=app.office,
        region=app.region,
        ticket_id=app.ticket_id,
        status=app.status,
        action=app.action,
        machine_kind=app.machine_kind,
        machine_id=app.machine_id,
        plate=app.plate,
        first_registration=app.first_registration,
        applicant_kind=app.applicant_kind,
        applicant_iin=app.applicant_iin,
        applicant_bin=app.applicant_bin,
        applicant_name=app.applicant_name,
        phone=app.phone,
        visitor_iin=app.visitor_iin,
        visitor_name=app.visitor_name,
        visitor_role=app.visitor_role,
        power_of_attorney=app.power_of_attorney,
        checklist=[
            ChecklistItem(
                code=i.code,
                names={"ru": i.names.ru, "kk": i.names.kk, "en": i.names.en},
                source=i.source,
            )
            for i in needed
        ],
        package=app.package,
        fees=app.fees,
        scans=[to_scan(s) for s in scans],
        digest=app.digest,
        sent_at=app.sent_at,
        received_at=app.received_at,
        counts_from=app.counts_from,
        due_at=app.due_at,
        overdue=is_overdue(app, now),
        checks=[CheckRecord.model_validate(c) for c in app.checks] if app.checks else None,
        decided_at=app.decided_at,
        refusal=app.refusal,
        entry=app.entry,
        issued_at=app.issued_at,
        digital_document_id=app.digital_document_id,
        archive_status=app.archive_status,
        keep_until=app.keep_until,
        created_at=app.created_at,
    )


def to_scan(scan: MachineryScan) -> ScanRecord:
    return ScanRecord(
        document_code=scan.document_code,
        filename=scan.filename,
        content_type=scan.content_type,
        size=scan.size,
        sha256=scan.sha256,
        uploaded_at=scan.uploaded_at,
    )


async def record(
    session: AsyncSession, app: MachineryApplication, now: datetime
) -> MachineryApplicationRecord:
    return to_record(app, list(await ScanRepository(session).scans(app.id)), now)


def _scan_response(scan: MachineryScan) -> Response:
    return Response(
        scan.content,
        media_type=scan.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{scan.document_code}{_suffix(scan)}"',
            "Digest": f"sha-256={scan.sha256}",
        },
    )


def _suffix(scan: MachineryScan) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        scan.content_type, ""
    )


async def scan_of(session: AsyncSession, app: MachineryApplication, code: str) -> Response:
    scan = await ScanRepository(session).scan(app.id, code)
    if scan is None:
        raise StepRefusal("SCAN_NOT_FOUND", step="M6.4", status=404, field="code", code_name=code)
    return _scan_response(scan)


async def changed(
    once: Once,
    now: datetime,
    scope: str,
    asked: object,
    step: Callable[[], Awaitable[MachineryApplication]],
) -> MachineryApplicationRecord:
    """The application as `step` left it, done once per `Idempotency-Key` (every step of the
    two desks that changes an application)."""

    async def work() -> MachineryApplicationRecord:
        return await record(once.session, await step(), now)

    return await once.run(scope, asked, MachineryApplicationRecord, work)
