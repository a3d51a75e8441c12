"""The HTTP surface of the front-office desk (M5–M9) under `/offices/{office}/machinery`: a
front-office worker's token of that office. Every POST/PUT takes an optional
`Idempotency-Key`: the same key and body answer the first answer again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import OfficeWorker
from frontoffice_service.dependencies import FrontOfficeSettings
from frontoffice_service.machinery.desk import fees, identification, package, scans, sending
from frontoffice_service.machinery.desk.repository import DeskRepository
from frontoffice_service.machinery.desk.schemas import MachineryApplicationIn, PackageIn
from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.machinery.schemas import (
    MachineryApplicationRecord,
    ScanRecord,
    SignIn,
    SigningDocument,
)
from frontoffice_service.machinery.views import (
    WRONG_STEP,
    Code,
    Number,
    changed,
    record,
    scan_of,
    to_record,
    to_scan,
)
from frontoffice_service.routes import WORKER, Idempotent, Responses
from servicekit.app_state import BusClock
from servicekit.correlation import correlate
from servicekit.db import DbSession
from servicekit.errors import StepRefusal
from servicekit.gateway_client import Gateway
from servicekit.openapi import keep_old_path
from servicekit.outbox import AppOutbox

_APPLICATION: Responses = {**WORKER, 404: {"description": "MACHINERY_APPLICATION_NOT_FOUND"}}


async def _at_office(
    session: AsyncSession, worker: OfficeWorker, number: str, *, lock: bool = False
) -> MachineryApplication:
    app = await DeskRepository(session).at_office(worker.office.id, number, lock=lock)
    if app is None:
        raise StepRefusal(
            "MACHINERY_APPLICATION_NOT_FOUND", step="M6", status=404, field="number", number=number
        )
    correlate(app.id)
    return app


router = APIRouter(
    prefix="/offices/{office}/machinery/applications",
    tags=["machinery: front-office desk (M5–M9)"],
)


@router.post(
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
        **WORKER,
        404: {"description": "TICKET_NOT_FOUND"},
        409: {"description": "TICKET_NOT_CALLED"},
        503: {"description": "REGISTRY_UNAVAILABLE, VISITOR_CHECK_UNAVAILABLE"},
    },
)
async def open_application(
    body: MachineryApplicationIn,
    worker: OfficeWorker,
    clock: BusClock,
    gateway: Gateway,
    settings: FrontOfficeSettings,
    once: Idempotent,
) -> MachineryApplicationRecord:
    now = clock.now()

    async def work() -> MachineryApplicationRecord:
        app = await identification.open_application(
            once.session, gateway=gateway, settings=settings, worker=worker, request=body, now=now
        )
        return to_record(app, [], now)

    asked = {"office": worker.office.id, "body": body.model_dump(mode="json")}
    return await once.run(f"{worker.iin}:machinery-open", asked, MachineryApplicationRecord, work)


@router.get("", summary="The office's machinery applications, newest first")
async def list_applications(
    worker: OfficeWorker,
    clock: BusClock,
    session: DbSession,
    status: ApplicationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MachineryApplicationRecord]:
    now = clock.now()
    found = await DeskRepository(session).of_office(worker.office.id, status=status, limit=limit)
    return [await record(session, app, now) for app in found]


@router.get("/{number}", summary="One application of this office", responses=_APPLICATION)
async def get_application(
    number: Number, worker: OfficeWorker, clock: BusClock, session: DbSession
) -> MachineryApplicationRecord:
    app = await _at_office(session, worker, number)
    return await record(session, app, clock.now())


@router.put(
    "/{number}/package",
    summary="The package as the worker found it (M6.2); incomplete: refusal M8",
    description="Every document of the action's checklist (the application's `checklist`) with "
    "`present` and `valid`. A missing or invalid one ends the application REFUSED at M8 "
    "(PACKAGE_INCOMPLETE) with the list; a code not in the checklist is a 422.",
    responses={**_APPLICATION, **WRONG_STEP},
)
async def put_package(
    number: Number, body: PackageIn, worker: OfficeWorker, clock: BusClock, once: Idempotent
) -> MachineryApplicationRecord:
    now = clock.now()

    async def step() -> MachineryApplication:
        app = await _at_office(once.session, worker, number, lock=True)
        await package.check_package(once.session, app, body, now)
        return app

    asked = {"number": number, "body": body.model_dump(mode="json")}
    return await changed(once, now, f"{worker.iin}:machinery-package", asked, step)


@router.post(
    "/{number}/fees/check",
    summary="Check the fees in ПШЭП by payer and purpose (M6.3)",
    description="Each purpose of the action (a deregistration has none) must have a payment of "
    "the applicant that no other application counted. Unpaid: 422 FEES_NOT_PAID with the "
    "purposes (`unpaid`); pay and check again.",
    responses={**_APPLICATION, **WRONG_STEP, 503: {"description": "REGISTRY_UNAVAILABLE (ПШЭП)"}},
)
async def check_fees(
    number: Number, worker: OfficeWorker, clock: BusClock, gateway: Gateway, once: Idempotent
) -> MachineryApplicationRecord:
    now = clock.now()

    async def step() -> MachineryApplication:
        app = await _at_office(once.session, worker, number, lock=True)
        await fees.check_fees(once.session, gateway, app, now)
        return app

    return await changed(once, now, f"{worker.iin}:machinery-fees", {"number": number}, step)


@router.post(
    "/{number}/fees/invoice",
    status_code=201,
    summary="An invoice in ПШЭП for the fees still unpaid (M6.3)",
    description="For the applicant to pay at the ЦОН's terminal or online; then check the fees "
    "again. Asking again gives the same invoice; nothing unpaid is 409 FEES_ALREADY_PAID.",
    responses={**_APPLICATION, **WRONG_STEP, 503: {"description": "REGISTRY_UNAVAILABLE (ПШЭП)"}},
)
async def invoice_fees(
    number: Number, worker: OfficeWorker, gateway: Gateway, session: DbSession
) -> dict[str, Any]:
    app = await _at_office(session, worker, number)
    return await fees.invoice_fees(session, gateway, app)


@router.put(
    "/{number}/scans/{code}",
    summary="Upload the scan of one presented document (M6.4)",
    description="The body is the file itself: PDF, JPEG or PNG, as `Content-Type` says, at most "
    "`scan_max_bytes` (10 MB by default). The type is judged by the bytes (SCAN_TYPE_MISMATCH), "
    "a file that does not decode is SCAN_CORRUPT; the SHA-256 is kept beside the bytes. A new "
    "scan of the same document replaces the old one until the application is signed.",
    responses={
        **_APPLICATION,
        **WRONG_STEP,
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
    clock: BusClock,
    settings: FrontOfficeSettings,
    session: DbSession,
    content_type: Annotated[str, Header()] = "application/octet-stream",
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> ScanRecord:
    limit = settings.scan_max_bytes
    declared_length = request.headers.get("content-length")
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise StepRefusal("SCAN_TOO_LARGE", step="M6.4", status=413, field="body", limit=limit)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise StepRefusal("SCAN_TOO_LARGE", step="M6.4", status=413, field="body", limit=limit)
    app = await _at_office(session, worker, number, lock=True)
    scan = await scans.store_scan(
        session,
        app,
        code=code,
        data=bytes(data),
        declared=content_type.split(";")[0].strip().lower(),
        filename=filename or code,
        max_bytes=limit,
        worker=worker,
        now=clock.now(),
    )
    return to_scan(scan)


@router.get(
    "/{number}/scans/{code}",
    summary="Download a scan (the bytes as uploaded)",
    response_class=Response,
    responses={**WORKER, 404: {"description": "MACHINERY_APPLICATION_NOT_FOUND, SCAN_NOT_FOUND"}},
)
async def get_scan(
    number: Number, code: Code, worker: OfficeWorker, session: DbSession
) -> Response:
    app = await _at_office(session, worker, number)
    return await scan_of(session, app, code)


@router.get(
    "/{number}/document",
    summary="The electronic application to sign (M6.5)",
    description="Sign its canonical bytes (JSON, keys sorted, no spaces, UTF-8) with a detached "
    "CMS. Needs the fees confirmed and every presented document scanned (SCANS_MISSING).",
    responses={**_APPLICATION, **WRONG_STEP},
)
async def get_document(number: Number, worker: OfficeWorker, session: DbSession) -> SigningDocument:
    app = await _at_office(session, worker, number)
    return SigningDocument.of(await sending.document_to_sign(session, app))


@router.post(
    "/{number}/signature",
    summary="Sign the application with the worker's ЭЦП and send it to the provider (M6.5, M9)",
    description="The CMS must be the signed-in worker's valid signature over the document "
    "(SIGNATURE_NOT_ACCEPTED with НУЦ's reasons). The application goes to the provider of the "
    "office's region over the bus with the digest of what was signed (M3), and the paper basis "
    "stays at the office for a month (M16).",
    responses={**_APPLICATION, **WRONG_STEP, 503: {"description": "SIGNATURE_CHECK_UNAVAILABLE"}},
)
async def sign(
    number: Number,
    body: SignIn,
    worker: OfficeWorker,
    clock: BusClock,
    gateway: Gateway,
    outbox: AppOutbox,
    once: Idempotent,
) -> MachineryApplicationRecord:
    now = clock.now()

    async def step() -> MachineryApplication:
        app = await _at_office(once.session, worker, number, lock=True)
        await sending.sign_and_send(
            once.session,
            gateway=gateway,
            outbox=outbox,
            app=app,
            worker=worker,
            cms=body.cms,
            now=now,
        )
        return app

    asked = {"number": number, "body": body.model_dump(mode="json")}
    return await changed(once, now, f"{worker.iin}:machinery-sign", asked, step)


keep_old_path(router, "/{number}/signature", old="/{number}/sign")
