"""The HTTP surface of the provider's desk АРМ ГО (M10–M15) under `/provider/machinery`: an
akimat officer's token, their region's applications only. Every POST takes an optional
`Idempotency-Key`: the same key and body answer the first answer again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from frontoffice_service.access import Provider
from frontoffice_service.dependencies import FrontOfficeSettings, MachineryMetrics
from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.machinery.schemas import MachineryApplicationRecord, SigningDocument
from frontoffice_service.machinery.views import WRONG_STEP, Code, Number, changed, record, scan_of
from frontoffice_service.provider import checks, decision, issue
from frontoffice_service.provider.inbox import application_of
from frontoffice_service.provider.metrics import refresh_overdue
from frontoffice_service.provider.repository import ProviderRepository
from frontoffice_service.provider.schemas import DecisionIn, EntryIn
from frontoffice_service.routes import Idempotent, Responses
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.gateway_client import Gateway
from servicekit.outbox import AppOutbox

_PROVIDER: Responses = {
    403: {"description": "PROVIDER_OFFICER_REQUIRED"},
    404: {"description": "MACHINERY_APPLICATION_NOT_FOUND (also another region's)"},
}


router = APIRouter(
    prefix="/provider/machinery/applications",
    tags=["machinery: provider's desk АРМ ГО (M10–M15)"],
)


@router.get(
    "",
    summary="The inbox: applications of the officer's region, the soonest due first (M14)",
    description="`overdue=true`: only those undecided past their term. Each has `countsFrom` "
    "(the working day the term counts from: the arrival day by 17:00, else the next working "
    "day), `dueAt` (the end of the next working day, Asia/Almaty) and `overdue`.",
    responses=_PROVIDER,
)
async def inbox(
    officer: Provider,
    clock: BusClock,
    metrics: MachineryMetrics,
    settings: FrontOfficeSettings,
    session: DbSession,
    status: ApplicationStatus | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MachineryApplicationRecord]:
    now = clock.now()
    found = await ProviderRepository(session).inbox(
        officer.region, status=status, overdue_at=now if overdue else None, limit=limit
    )
    await refresh_overdue(session, metrics, settings.machinery_pilot_regions, now)
    return [await record(session, app, now) for app in found]


@router.get("/{number}", summary="One received application with its checks", responses=_PROVIDER)
async def provider_application(
    number: Number, officer: Provider, clock: BusClock, session: DbSession
) -> MachineryApplicationRecord:
    app = await application_of(session, officer, number)
    return await record(session, app, clock.now())


@router.get(
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
    app = await application_of(session, officer, number)
    return await scan_of(session, app, code)


@router.post(
    "/{number}/checks",
    summary="Run the checks M10.1–M10.3 again",
    responses={**_PROVIDER, **WRONG_STEP, 503: {"description": "REGISTRY_UNAVAILABLE"}},
)
async def run_checks(
    number: Number, officer: Provider, clock: BusClock, gateway: Gateway, session: DbSession
) -> MachineryApplicationRecord:
    now = clock.now()
    app = await application_of(session, officer, number, lock=True)
    await checks.recheck(session, gateway, app, now)
    return await record(session, app, now)


@router.get(
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
    app = await application_of(session, officer, number)
    return SigningDocument.of(decision.decision_document(app, officer, approve, reason))


@router.post(
    "/{number}/decision",
    summary="Approve, or refuse with a motivated reason, signed with ЭЦП (M10.4, M13)",
    description="Approval needs every check passed (409 MACHINERY_CHECKS_FAILED lists the "
    "failed ones: refuse instead). A refusal needs `reason` (PROVIDER_REASON_REQUIRED) and "
    "sends the applicant an SMS. The CMS is over `GET …/decision-document` with the same "
    "`approve` and `reason`, by the signed-in officer.",
    responses={**_PROVIDER, **WRONG_STEP, 503: {"description": "SIGNATURE_CHECK_UNAVAILABLE"}},
)
async def decide(
    number: Number,
    body: DecisionIn,
    officer: Provider,
    clock: BusClock,
    gateway: Gateway,
    outbox: AppOutbox,
    metrics: MachineryMetrics,
    once: Idempotent,
) -> MachineryApplicationRecord:
    now = clock.now()

    async def step() -> MachineryApplication:
        app = await application_of(once.session, officer, number, lock=True)
        await decision.decide(
            once.session,
            gateway=gateway,
            outbox=outbox,
            metrics=metrics,
            officer=officer,
            app=app,
            request=body,
            now=now,
        )
        return app

    asked = {"number": number, "body": body.model_dump(mode="json")}
    return await changed(once, now, f"{officer.iin}:machinery-decision", asked, step)


@router.post(
    "/{number}/entry",
    summary="Enter the technical passport and the plate by hand (M12); SMS (M11), digital "
    "document (M15)",
    description="Validated against the provider's registry and БМГ: the plate's form and "
    "region letter, a plate or passport number never used, the machine's identifier. Then the "
    "applicant gets an SMS with the time and place of issue and the document appears in their "
    "digital documents.",
    responses={**_PROVIDER, **WRONG_STEP, 503: {"description": "PLATE_CHECK_UNAVAILABLE"}},
)
async def enter(
    number: Number,
    body: EntryIn,
    officer: Provider,
    clock: BusClock,
    gateway: Gateway,
    outbox: AppOutbox,
    once: Idempotent,
) -> MachineryApplicationRecord:
    now = clock.now()

    async def step() -> MachineryApplication:
        app = await application_of(once.session, officer, number, lock=True)
        await issue.enter(
            once.session, gateway=gateway, outbox=outbox, app=app, request=body, now=now
        )
        return app

    asked = {"number": number, "body": body.model_dump(mode="json")}
    return await changed(once, now, f"{officer.iin}:machinery-entry", asked, step)
