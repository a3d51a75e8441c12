"""The HTTP surface of the machinery service: the front-office desk (M5–M9) under
`/offices/{office}/machinery`, the provider's desk АРМ ГО (M10–M15) under
`/provider/machinery`, and the applicant's digital documents (M15).

Every POST/PUT takes an optional `Idempotency-Key`: the same key and body answer the first
answer again.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi import Path as PathParam
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service import machinery_desk, provider_desk
from frontoffice_service.access import OfficeWorker, Provider
from frontoffice_service.machinery import MACHINE_KINDS, checklist
from frontoffice_service.machinery_models import (
    ApplicationStatus,
    DigitalDocument,
    MachineryApplication,
    MachineryScan,
)
from frontoffice_service.machinery_repository import MachineryRepository
from frontoffice_service.machinery_schemas import (
    ChecklistItem,
    CheckRecord,
    DecisionIn,
    EntryIn,
    MachineryApplicationIn,
    MachineryApplicationRecord,
    PackageIn,
    ScanRecord,
    SignIn,
    SigningDocument,
)
from frontoffice_service.problems import Refusal
from frontoffice_service.routes import Responses, once
from servicekit import pdf
from servicekit.clock import ALMATY, instant
from servicekit.db import DbSession
from servicekit.idempotency import IdempotencyKey
from servicekit.labels import REGIONS, label
from servicekit.openapi import keep_old_path
from servicekit.tokens import SignedIn

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

_WORKER: Responses = {
    403: {"description": "FRONTOFFICE_WORKER_REQUIRED; OFFICE_FORBIDDEN: not this office's"},
}
_PROVIDER: Responses = {
    403: {"description": "PROVIDER_OFFICER_REQUIRED"},
    404: {"description": "MACHINERY_APPLICATION_NOT_FOUND (also another region's)"},
}
_APPLICATION: Responses = {**_WORKER, 404: {"description": "MACHINERY_APPLICATION_NOT_FOUND"}}
_STEP: Responses = {409: {"description": "MACHINERY_WRONG_STEP: not at this step"}}


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
        scans=[
            ScanRecord(
                document_code=s.document_code,
                filename=s.filename,
                content_type=s.content_type,
                size=s.size,
                sha256=s.sha256,
                uploaded_at=s.uploaded_at,
            )
            for s in scans
        ],
        digest=app.digest,
        sent_at=app.sent_at,
        received_at=app.received_at,
        counts_from=app.counts_from,
        due_at=app.due_at,
        overdue=provider_desk.is_overdue(app, now),
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


async def _record(
    session: AsyncSession, app: MachineryApplication, now: datetime
) -> MachineryApplicationRecord:
    return to_record(app, list(await MachineryRepository(session).scans(app.id)), now)


async def _at_office(
    session: AsyncSession, worker: OfficeWorker, number: str, *, lock: bool = False
) -> MachineryApplication:
    app = await MachineryRepository(session).at_office(worker.office.id, number, lock=lock)
    if app is None:
        raise Refusal(
            "MACHINERY_APPLICATION_NOT_FOUND", step="M6", status=404, field="number", number=number
        )
    return app


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


# --- the front-office desk (M5–M9) ----------------------------------------------------------

desk = APIRouter(
    prefix="/offices/{office}/machinery/applications",
    tags=["machinery: front-office desk (M5–M9)"],
)


@desk.post(
    "",
    status_code=201,
    summary="Open an application for the called submission ticket (M4, M6.1, M7)",
    description="Refusals that are kept (the application is REFUSED, 201): M7 the face does "
    "not match (BIOMETRICS_FAILED), M6.1 the representative's power of attorney is not valid "
    "in ЕНИС (POWER_OF_ATTORNEY_INVALID). Refusals that change nothing (422): outside the "
    "pilot (MACHINERY_PILOT_REGION, MACHINERY_PILOT_PERIOD), the ID not the person's "
    "(VISITOR_*), the applicant unknown or not alive (APPLICANT_*, ENTITY_*); a registry's "
    "refusal of what it was sent, with the registry's code, texts and status on the field it "
    "came from (ГБД ФЛ's PHOTO_INVALID on `visitor.photo`).",
    responses={
        **_WORKER,
        404: {"description": "TICKET_NOT_FOUND"},
        409: {"description": "TICKET_NOT_CALLED"},
        503: {"description": "REGISTRY_UNAVAILABLE, VISITOR_CHECK_UNAVAILABLE"},
    },
)
async def open_application(
    body: MachineryApplicationIn,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> MachineryApplicationRecord:
    state = request.app.state
    now = state.clock.now()

    async def work() -> MachineryApplicationRecord:
        app = await machinery_desk.open_application(
            session,
            gateway=state.gateway,
            settings=state.settings,
            worker=worker,
            request=body,
            now=now,
        )
        return to_record(app, [], now)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:machinery-open",
        asked={"office": worker.office.id, "body": body.model_dump(mode="json")},
        model=MachineryApplicationRecord,
        work=work,
    )


@desk.get("", summary="The office's machinery applications, newest first")
async def list_applications(
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    status: ApplicationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MachineryApplicationRecord]:
    now = request.app.state.clock.now()
    found = await MachineryRepository(session).of_office(
        worker.office.id, status=status, limit=limit
    )
    return [await _record(session, app, now) for app in found]


@desk.get("/{number}", summary="One application of this office", responses=_APPLICATION)
async def get_application(
    number: Number, worker: OfficeWorker, request: Request, session: DbSession
) -> MachineryApplicationRecord:
    app = await _at_office(session, worker, number)
    return await _record(session, app, request.app.state.clock.now())


@desk.put(
    "/{number}/package",
    summary="The package as the worker found it (M6.2); incomplete: refusal M8",
    description="Every document of the action's checklist (the application's `checklist`) with "
    "`present` and `valid`. A missing or invalid one ends the application REFUSED at M8 "
    "(PACKAGE_INCOMPLETE) with the list; a code not in the checklist is a 422.",
    responses={**_APPLICATION, **_STEP},
)
async def put_package(
    number: Number,
    body: PackageIn,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> MachineryApplicationRecord:
    now = request.app.state.clock.now()

    async def work() -> MachineryApplicationRecord:
        app = await _at_office(session, worker, number, lock=True)
        await machinery_desk.check_package(session, app, body, now)
        return await _record(session, app, now)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:machinery-package",
        asked={"number": number, "body": body.model_dump(mode="json")},
        model=MachineryApplicationRecord,
        work=work,
    )


@desk.post(
    "/{number}/fees/check",
    summary="Check the fees in ПШЭП by payer and purpose (M6.3)",
    description="Each purpose of the action (a deregistration has none) must have a payment of "
    "the applicant that no other application counted. Unpaid: 422 FEES_NOT_PAID with the "
    "purposes (`unpaid`); pay and check again.",
    responses={**_APPLICATION, **_STEP, 503: {"description": "REGISTRY_UNAVAILABLE (ПШЭП)"}},
)
async def check_fees(
    number: Number,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> MachineryApplicationRecord:
    state = request.app.state
    now = state.clock.now()

    async def work() -> MachineryApplicationRecord:
        app = await _at_office(session, worker, number, lock=True)
        await machinery_desk.check_fees(session, state.gateway, app, now)
        return await _record(session, app, now)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:machinery-fees",
        asked={"number": number},
        model=MachineryApplicationRecord,
        work=work,
    )


@desk.post(
    "/{number}/fees/invoice",
    status_code=201,
    summary="An invoice in ПШЭП for the fees still unpaid (M6.3)",
    description="For the applicant to pay at the ЦОН's terminal or online; then check the fees "
    "again. Asking again gives the same invoice; nothing unpaid is 409 FEES_ALREADY_PAID.",
    responses={**_APPLICATION, **_STEP, 503: {"description": "REGISTRY_UNAVAILABLE (ПШЭП)"}},
)
async def invoice_fees(
    number: Number, worker: OfficeWorker, request: Request, session: DbSession
) -> dict[str, Any]:
    app = await _at_office(session, worker, number)
    return await machinery_desk.invoice_fees(session, request.app.state.gateway, app)


@desk.put(
    "/{number}/scans/{code}",
    summary="Upload the scan of one presented document (M6.4)",
    description="The body is the file itself: PDF, JPEG or PNG, as `Content-Type` says, at most "
    "`scan_max_bytes` (10 MB by default). The type is judged by the bytes (SCAN_TYPE_MISMATCH), "
    "a file that does not decode is SCAN_CORRUPT; the SHA-256 is kept beside the bytes. A new "
    "scan of the same document replaces the old one until the application is signed.",
    responses={
        **_APPLICATION,
        **_STEP,
        413: {"description": "SCAN_TOO_LARGE"},
        422: {"description": "SCAN_EMPTY, SCAN_TYPE_NOT_ALLOWED, SCAN_TYPE_MISMATCH, SCAN_CORRUPT"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("application/pdf", "image/jpeg", "image/png")
            },
        }
    },
)
async def put_scan(
    number: Number,
    code: Code,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    content_type: Annotated[str, Header()] = "application/octet-stream",
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> ScanRecord:
    state = request.app.state
    limit: int = state.settings.scan_max_bytes
    declared_length = request.headers.get("content-length")
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise Refusal("SCAN_TOO_LARGE", step="M6.4", status=413, field="body", limit=limit)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise Refusal("SCAN_TOO_LARGE", step="M6.4", status=413, field="body", limit=limit)
    app = await _at_office(session, worker, number, lock=True)
    scan = await machinery_desk.store_scan(
        session,
        app,
        code=code,
        data=bytes(data),
        declared=content_type.split(";")[0].strip().lower(),
        filename=filename or code,
        max_bytes=limit,
        worker=worker,
        now=state.clock.now(),
    )
    return ScanRecord(
        document_code=scan.document_code,
        filename=scan.filename,
        content_type=scan.content_type,
        size=scan.size,
        sha256=scan.sha256,
        uploaded_at=scan.uploaded_at,
    )


@desk.get(
    "/{number}/scans/{code}",
    summary="Download a scan (the bytes as uploaded)",
    response_class=Response,
    responses={**_WORKER, 404: {"description": "MACHINERY_APPLICATION_NOT_FOUND, SCAN_NOT_FOUND"}},
)
async def get_scan(
    number: Number, code: Code, worker: OfficeWorker, session: DbSession
) -> Response:
    app = await _at_office(session, worker, number)
    return await _scan_of(session, app, code)


async def _scan_of(session: AsyncSession, app: MachineryApplication, code: str) -> Response:
    scan = await MachineryRepository(session).scan(app.id, code)
    if scan is None:
        raise Refusal("SCAN_NOT_FOUND", step="M6.4", status=404, field="code", code_name=code)
    return _scan_response(scan)


@desk.get(
    "/{number}/document",
    summary="The electronic application to sign (M6.5)",
    description="Sign its canonical bytes (JSON, keys sorted, no spaces, UTF-8) with a detached "
    "CMS. Needs the fees confirmed and every presented document scanned (SCANS_MISSING).",
    responses={**_APPLICATION, **_STEP},
)
async def get_document(number: Number, worker: OfficeWorker, session: DbSession) -> SigningDocument:
    app = await _at_office(session, worker, number)
    return SigningDocument.of(await machinery_desk.document_to_sign(session, app))


@desk.post(
    "/{number}/signature",
    summary="Sign the application with the worker's ЭЦП and send it to the provider (M6.5, M9)",
    description="The CMS must be the signed-in worker's valid signature over the document "
    "(SIGNATURE_NOT_ACCEPTED with НУЦ's reasons). The application goes to the provider of the "
    "office's region over the bus with the digest of what was signed (M3), and the paper basis "
    "stays at the office for a month (M16).",
    responses={**_APPLICATION, **_STEP, 503: {"description": "SIGNATURE_CHECK_UNAVAILABLE"}},
)
async def sign(
    number: Number,
    body: SignIn,
    worker: OfficeWorker,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> MachineryApplicationRecord:
    state = request.app.state
    now = state.clock.now()

    async def work() -> MachineryApplicationRecord:
        app = await _at_office(session, worker, number, lock=True)
        await machinery_desk.sign_and_send(
            session,
            gateway=state.gateway,
            outbox=state.outbox,
            app=app,
            worker=worker,
            cms=body.cms,
            now=now,
        )
        return await _record(session, app, now)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{worker.iin}:machinery-sign",
        asked={"number": number, "body": body.model_dump(mode="json")},
        model=MachineryApplicationRecord,
        work=work,
    )


keep_old_path(desk, "/{number}/signature", old="/{number}/sign")


# --- the provider's desk АРМ ГО (M10–M15) ---------------------------------------------------

provider = APIRouter(
    prefix="/provider/machinery/applications",
    tags=["machinery: provider's desk АРМ ГО (M10–M15)"],
)


@provider.get(
    "",
    summary="The inbox: applications of the officer's region, the soonest due first (M14)",
    description="`overdue=true`: only those undecided past their term. Each has `countsFrom` "
    "(the working day the term counts from: the arrival day by 17:00, else the next working "
    "day), `dueAt` (the end of the next working day, Asia/Almaty) and `overdue`.",
    responses=_PROVIDER,
)
async def inbox(
    officer: Provider,
    request: Request,
    session: DbSession,
    status: ApplicationStatus | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MachineryApplicationRecord]:
    state = request.app.state
    now = state.clock.now()
    found = await MachineryRepository(session).inbox(
        officer.region, status=status, overdue_at=now if overdue else None, limit=limit
    )
    await provider_desk.refresh_overdue(
        session, state.machinery_metrics, state.settings.machinery_pilot_regions, now
    )
    return [await _record(session, app, now) for app in found]


@provider.get("/{number}", summary="One received application with its checks", responses=_PROVIDER)
async def provider_application(
    number: Number, officer: Provider, request: Request, session: DbSession
) -> MachineryApplicationRecord:
    app = await provider_desk.application_of(session, officer, number)
    return await _record(session, app, request.app.state.clock.now())


@provider.get(
    "/{number}/scans/{code}",
    summary="Download a scan of the application (M10.1)",
    response_class=Response,
    responses={
        **_PROVIDER,
        404: {
            "description": "MACHINERY_APPLICATION_NOT_FOUND (also another region's), SCAN_NOT_FOUND"
        },
    },
)
async def provider_scan(
    number: Number, code: Code, officer: Provider, session: DbSession
) -> Response:
    app = await provider_desk.application_of(session, officer, number)
    return await _scan_of(session, app, code)


@provider.post(
    "/{number}/checks",
    summary="Run the checks M10.1–M10.3 again",
    responses={**_PROVIDER, **_STEP, 503: {"description": "REGISTRY_UNAVAILABLE"}},
)
async def run_checks(
    number: Number, officer: Provider, request: Request, session: DbSession
) -> MachineryApplicationRecord:
    state = request.app.state
    now = state.clock.now()
    app = await provider_desk.application_of(session, officer, number, lock=True)
    await provider_desk.recheck(session, state.gateway, app, now)
    return await _record(session, app, now)


@provider.get(
    "/{number}/decision-document",
    summary="The decision to sign (M10.4)",
    responses=_PROVIDER,
)
async def get_decision_document(
    number: Number,
    officer: Provider,
    session: DbSession,
    approve: bool,
    reason: Annotated[str | None, Query(min_length=5, max_length=1000)] = None,
) -> SigningDocument:
    app = await provider_desk.application_of(session, officer, number)
    return SigningDocument.of(provider_desk.decision_document(app, officer, approve, reason))


@provider.post(
    "/{number}/decision",
    summary="Approve, or refuse with a motivated reason, signed with ЭЦП (M10.4, M13)",
    description="Approval needs every check passed (409 MACHINERY_CHECKS_FAILED lists the "
    "failed ones: refuse instead). A refusal needs `reason` (PROVIDER_REASON_REQUIRED) and "
    "sends the applicant an SMS. The CMS is over `GET …/decision-document` with the same "
    "`approve` and `reason`, by the signed-in officer.",
    responses={**_PROVIDER, **_STEP, 503: {"description": "SIGNATURE_CHECK_UNAVAILABLE"}},
)
async def decide(
    number: Number,
    body: DecisionIn,
    officer: Provider,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> MachineryApplicationRecord:
    state = request.app.state
    now = state.clock.now()

    async def work() -> MachineryApplicationRecord:
        app = await provider_desk.application_of(session, officer, number, lock=True)
        await provider_desk.decide(
            session,
            gateway=state.gateway,
            outbox=state.outbox,
            metrics=state.machinery_metrics,
            officer=officer,
            app=app,
            request=body,
            now=now,
        )
        return await _record(session, app, now)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{officer.iin}:machinery-decision",
        asked={"number": number, "body": body.model_dump(mode="json")},
        model=MachineryApplicationRecord,
        work=work,
    )


@provider.post(
    "/{number}/entry",
    summary="Enter the technical passport and the plate by hand (M12); SMS (M11), digital "
    "document (M15)",
    description="Validated against the provider's registry and БМГ: the plate's form and "
    "region letter, a plate or passport number never used, the machine's identifier. Then the "
    "applicant gets an SMS with the time and place of issue and the document appears in their "
    "digital documents.",
    responses={**_PROVIDER, **_STEP, 503: {"description": "PLATE_CHECK_UNAVAILABLE"}},
)
async def enter(
    number: Number,
    body: EntryIn,
    officer: Provider,
    request: Request,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> MachineryApplicationRecord:
    state = request.app.state
    now = state.clock.now()

    async def work() -> MachineryApplicationRecord:
        app = await provider_desk.application_of(session, officer, number, lock=True)
        await provider_desk.enter(
            session, gateway=state.gateway, outbox=state.outbox, app=app, request=body, now=now
        )
        return await _record(session, app, now)

    return await once(
        request,
        session,
        key=idempotency_key,
        scope=f"{officer.iin}:machinery-entry",
        asked={"number": number, "body": body.model_dump(mode="json")},
        model=MachineryApplicationRecord,
        work=work,
    )


# --- digital documents (M15) ----------------------------------------------------------------

documents = APIRouter(prefix="/digital-documents", tags=["digital documents (M15)"])

DocumentId = Annotated[str, PathParam(alias="documentId", pattern=r"^[0-9a-f\-]{36}$")]


@documents.get("", summary="The signed-in person's (or their organisation's) documents")
async def my_documents(principal: SignedIn, session: DbSession) -> list[dict[str, Any]]:
    found = await MachineryRepository(session).documents_of(iin=principal.iin, bin_=principal.bin)
    return [_document_record(d) for d in found]


def _document_record(document: DigitalDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "issuedAt": instant(document.issued_at),
        **document.data,
    }


async def _own_document(
    session: AsyncSession, principal: SignedIn, document_id: str
) -> DigitalDocument:
    document = await MachineryRepository(session).document(document_id)
    mine = document is not None and (
        (principal.bin is not None and document.holder_bin == principal.bin)
        or (document.holder_iin is not None and document.holder_iin == principal.iin)
    )
    if document is None or not mine:
        raise Refusal("DIGITAL_DOCUMENT_NOT_FOUND", step="M15", status=404, field="documentId")
    return document


@documents.get(
    "/{documentId}",
    summary="One document",
    responses={404: {"description": "DIGITAL_DOCUMENT_NOT_FOUND"}},
)
async def one_document(
    document_id: DocumentId, principal: SignedIn, session: DbSession
) -> dict[str, Any]:
    return _document_record(await _own_document(session, principal, document_id))


@documents.get(
    "/{documentId}/pdf",
    summary="The document as a PDF",
    response_class=Response,
    responses={404: {"description": "DIGITAL_DOCUMENT_NOT_FOUND"}},
)
async def document_pdf(
    document_id: DocumentId, principal: SignedIn, session: DbSession
) -> Response:
    document = await _own_document(session, principal, document_id)
    data = await asyncio.to_thread(pdf.render, _pdf_of(document))
    return Response(data, media_type="application/pdf")


_TITLES = {
    "MACHINE_TECHNICAL_PASSPORT": "Технический паспорт (регистрационный документ) машины",
    "MACHINE_PLATE_CERTIFICATE": "Свидетельство о выдаче государственного номерного знака машины",
    "MACHINE_DEREGISTRATION_CERTIFICATE": "Справка о снятии машины с учёта",
}


def _pdf_of(document: DigitalDocument) -> pdf.Document:
    data = document.data
    holder = data.get("holder", {})
    machine = data.get("machine", {})
    return pdf.Document(
        title=_TITLES.get(document.kind, document.kind),
        subtitle=f"«Цифровые документы» · заявление № {data.get('applicationNumber')}",
        sections=[
            pdf.Section(
                "Владелец",
                rows=[
                    ("Наименование / ФИО", str(holder.get("name") or "")),
                    ("ИИН / БИН", str(holder.get("iin") or holder.get("bin") or "")),
                ],
            ),
            pdf.Section(
                "Машина",
                rows=[
                    ("Идентификатор (VIN / заводской №)", str(machine.get("id") or "")),
                    ("Марка, модель", str(machine.get("name") or "—")),
                    ("Год выпуска", str(machine.get("year") or "—")),
                    ("Вид", label(MACHINE_KINDS, machine.get("kind"))),
                    ("Технический паспорт", str(data.get("technicalPassport") or "—")),
                    ("Номерной знак", str(data.get("plate") or "—")),
                    ("Регион", label(REGIONS, data.get("region"))),
                    ("Дата выдачи", str(data.get("issuedOn") or "")),
                ],
            ),
        ],
        created_at=document.issued_at.astimezone(ALMATY),
        keywords=(document.kind, str(data.get("applicationNumber"))),
    )
