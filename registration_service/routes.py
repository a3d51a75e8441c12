"""The portal's REST API: the dealer (V1–V9), the buyer's cabinet (V10–V19, with a live
stream of notifications and the digital documents) and the police desk (V19).

Every state-changing request takes an optional `Idempotency-Key`; a retry with it replays the
first answer. Refusals are answers: the application comes back in state REFUSED with
`refusal` saying the step, the code and why. Problems (4xx) change nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

from registration_service import cabinet, dealer, police
from registration_service.dependencies import Notices, RegistrationSettings, Streams
from registration_service.documents import buyer_document, decision_document, seller_document
from registration_service.models import Application, Certificate
from registration_service.portal import Portal, PortalDep, ReadingPortalDep
from registration_service.repository import (
    CertificateRepository,
    CheckRepository,
    NotificationRepository,
    PoliceCaseRepository,
)
from registration_service.schemas import (
    ApplicationView,
    BuyerIn,
    CentreView,
    DecisionIn,
    DigitalDocument,
    NotificationView,
    PickupIn,
    PlateIn,
    PlateOffer,
    PoliceCaseView,
    PolicyView,
    SignatureIn,
    SigningDocument,
    VinIn,
)
from servicekit.admin import require_admin
from servicekit.db import AppDatabase
from servicekit.documents import b64, canonical, sha256
from servicekit.errors import StepRefusal
from servicekit.idempotency import IdempotencyKey
from servicekit.params import Offset, RowId
from servicekit.service_centres import SERVICE_CENTRES
from servicekit.tokens import Principal, SignedIn

M = TypeVar("M", bound=BaseModel)

_REFUSAL = {"description": "a problem: code, step, field; nothing changed"}
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _REFUSAL,
    404: _REFUSAL,
    409: _REFUSAL,
    422: _REFUSAL,
    503: {"description": "REGISTRY_UNAVAILABLE: a registry did not answer; try again"},
}

dealer_router = APIRouter(prefix="/dealer/applications", tags=["dealer (V1–V9)"], responses=_ERRORS)
cabinet_router = APIRouter(prefix="/cabinet", tags=["buyer's cabinet (V10–V19)"], responses=_ERRORS)
police_router = APIRouter(
    prefix="/police/applications", tags=["police desk (V19)"], responses=_ERRORS
)
reference_router = APIRouter(tags=["reference"])
admin_router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


async def _dealers(portal: Portal, principal: SignedIn, application_id: str) -> Application:
    dealer_bin = dealer.require_dealer(principal)
    app = await portal.applications.get(application_id)
    if app is None or app.dealer_bin != dealer_bin:
        raise StepRefusal("APPLICATION_NOT_FOUND", "V1", status=404, field="applicationId")
    return app


async def _buyers(portal: Portal, principal: SignedIn, application_id: str) -> Application:
    iin = cabinet.require_person(principal)
    app = await portal.applications.get(application_id)
    if app is None or app.buyer_iin != iin or app.seller_signed_at is None:
        raise StepRefusal("APPLICATION_NOT_FOUND", "V10", status=404, field="applicationId")
    return app


@dataclass(frozen=True, slots=True)
class Step:
    """A state-changing request: the portal in its transaction, who asks, and its optional
    `Idempotency-Key` (a retry with it replays the first answer)."""

    portal: Portal
    principal: Principal
    key: str | None

    async def once(
        self,
        action: str,
        app: Application | None,
        asked: object,
        model: type[M],
        work: Callable[[], Awaitable[M]],
    ) -> M:
        """`work`'s answer, or the one stored with the key for this caller, action and
        application when this is a retry."""
        scope = f"{self.principal.bin or self.principal.iin}:{action}:{app.id if app else ''}"
        return await self.portal.idempotency.run(
            self.portal.session, key=self.key, scope=scope, request=asked, model=model, work=work
        )

    async def change(
        self,
        action: str,
        app: Application | None,
        body: BaseModel | None,
        change: Callable[[], Awaitable[Application]],
    ) -> ApplicationView:
        """The application after `change`. An existing application is claimed first
        (`Portal.claim`): concurrent steps get one 200 and 409s."""

        async def work() -> ApplicationView:
            if app is not None:
                await self.portal.claim(app)
            return ApplicationView.of(await change())

        asked = body.model_dump(mode="json") if body is not None else {}
        return await self.once(action, app, asked, ApplicationView, work)


async def _step(portal: PortalDep, principal: SignedIn, key: IdempotencyKey = None) -> Step:
    return Step(portal, principal, key)


StepDep = Annotated[Step, Depends(_step)]


@dealer_router.post("", status_code=201, summary="V1: start an application (ОКЭД check)")
async def start(step: StepDep) -> ApplicationView:
    return await step.change("start", None, None, lambda: dealer.start(step.portal, step.principal))


@dealer_router.get("", summary="The dealer's applications, newest first")
async def list_dealer(
    portal: ReadingPortalDep,
    principal: SignedIn,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> list[ApplicationView]:
    dealer_bin = dealer.require_dealer(principal)
    items = await portal.applications.of_dealer(dealer_bin, limit, offset)
    return [ApplicationView.of(a) for a in items]


@dealer_router.get("/{application_id}", summary="One application with the history of its checks")
async def read_dealer(
    portal: ReadingPortalDep, principal: SignedIn, application_id: str
) -> ApplicationView:
    app = await _dealers(portal, principal, application_id)
    checks = await CheckRepository(portal.session).of(app.id)
    return ApplicationView.of(app, list(checks))


@dealer_router.put(
    "/{application_id}/vin", summary="V2: the VIN, checked in V3 ЭПТС, V4 customs, V5 recycling fee"
)
async def put_vin(step: StepDep, application_id: str, body: VinIn) -> ApplicationView:
    app = await _dealers(step.portal, step.principal, application_id)
    return await step.change("vin", app, body, lambda: dealer.enter_vin(step.portal, app, body.vin))


@dealer_router.put(
    "/{application_id}/buyer",
    summary="V6: the buyer's ИИН, checked in V7 ГБД ФЛ; then V8 the sale contract",
)
async def put_buyer(step: StepDep, application_id: str, body: BuyerIn) -> ApplicationView:
    app = await _dealers(step.portal, step.principal, application_id)
    return await step.change(
        "buyer", app, body, lambda: dealer.enter_buyer(step.portal, app, body.iin)
    )


@dealer_router.get("/{application_id}/document", summary="V9: the document the dealer signs")
async def dealer_document(
    portal: ReadingPortalDep, principal: SignedIn, application_id: str
) -> SigningDocument:
    app = await _dealers(portal, principal, application_id)
    return _signing(seller_document(app))


@dealer_router.post(
    "/{application_id}/signature", summary="V9: the dealer's ЭЦП; V10 the buyer is notified"
)
async def dealer_signature(
    step: StepDep, application_id: str, body: SignatureIn
) -> ApplicationView:
    app = await _dealers(step.portal, step.principal, application_id)
    return await step.change(
        "sign", app, body, lambda: dealer.sign(step.portal, app, step.principal, body.cms)
    )


@cabinet_router.get("/applications", summary="The buyer's applications (from V10 on)")
async def list_buyer(portal: ReadingPortalDep, principal: SignedIn) -> list[ApplicationView]:
    iin = cabinet.require_person(principal)
    items = await portal.applications.of_buyer(iin)
    return [ApplicationView.of(a) for a in items]


@cabinet_router.get("/applications/{application_id}", summary="One of the buyer's applications")
async def read_buyer(
    portal: ReadingPortalDep, principal: SignedIn, application_id: str
) -> ApplicationView:
    app = await _buyers(portal, principal, application_id)
    checks = await CheckRepository(portal.session).of(app.id)
    # The buyer sees the checks of their own part (V10 on); the dealer's V1–V9 are the dealer's.
    return ApplicationView.of(app, [c for c in checks if int(c.step[1:]) >= 10])


def _cabinet_action(
    name: str, summary: str, action: Callable[[Portal, Application], Awaitable[Application]]
) -> None:
    """A buyer's action with no body: POST …/{name}."""

    @cabinet_router.post(f"/applications/{{application_id}}/{name}", summary=summary, name=name)
    async def endpoint(step: StepDep, application_id: str) -> ApplicationView:
        app = await _buyers(step.portal, step.principal, application_id)
        return await step.change(name, app, None, lambda: action(step.portal, app))


_cabinet_action(
    "accept",
    "V10: accept; V11–V14 re-checks and fines (also: submit again after paying fines)",
    cabinet.accept,
)
_cabinet_action(
    "decline",
    "V10: decline the application (or withdraw it until signing; its number goes back to БМГ)",
    cabinet.decline,
)
_cabinet_action(
    "payment-check", "V17: go on once ПШЭП says the invoice is paid", cabinet.check_payment
)


@cabinet_router.put(
    "/applications/{application_id}/pickup", summary="V15: the ЦОН and the plate type"
)
async def put_pickup(step: StepDep, application_id: str, body: PickupIn) -> ApplicationView:
    app = await _buyers(step.portal, step.principal, application_id)
    return await step.change(
        "pickup",
        app,
        body,
        lambda: cabinet.choose_pickup(step.portal, app, body.centre_id, body.plate_type),
    )


@cabinet_router.get(
    "/applications/{application_id}/plates",
    summary="V16: the number reserved for you, or free numbers of the region",
)
async def plates(
    portal: PortalDep,
    principal: SignedIn,
    application_id: str,
    after: Annotated[str | None, Query(max_length=20)] = None,
    pattern: Annotated[str | None, Query(max_length=20)] = None,
) -> PlateOffer:
    app = await _buyers(portal, principal, application_id)
    return await cabinet.plate_offer(portal, app, after, pattern)


@cabinet_router.put(
    "/applications/{application_id}/plate",
    summary="V16: take the number; V17 the invoice is issued",
)
async def put_plate(step: StepDep, application_id: str, body: PlateIn) -> ApplicationView:
    app = await _buyers(step.portal, step.principal, application_id)
    return await step.change(
        "plate", app, body, lambda: cabinet.choose_plate(step.portal, app, body.plate)
    )


@cabinet_router.get(
    "/applications/{application_id}/document", summary="V18: the document the buyer signs"
)
async def buyer_signing_document(
    portal: ReadingPortalDep, principal: SignedIn, application_id: str
) -> SigningDocument:
    app = await _buyers(portal, principal, application_id)
    return _signing(buyer_document(app))


@cabinet_router.post(
    "/applications/{application_id}/signature",
    summary="V18: the buyer's ЭЦП; V19 submitted to the police",
)
async def buyer_signature(step: StepDep, application_id: str, body: SignatureIn) -> ApplicationView:
    app = await _buyers(step.portal, step.principal, application_id)
    return await step.change("sign", app, body, lambda: cabinet.sign(step.portal, app, body.cms))


@cabinet_router.get("/notifications", summary="V10…: the cabinet's notifications, oldest first")
async def notifications(
    portal: ReadingPortalDep,
    principal: SignedIn,
    after: Annotated[RowId, Query(description="only those with a greater id")] = 0,
) -> list[NotificationView]:
    iin = cabinet.require_person(principal)
    items = await NotificationRepository(portal.session).of(iin, after)
    return [NotificationView.of(n) for n in items]


async def _stream_holder(principal: SignedIn, streams: Streams) -> AsyncIterator[str]:
    """The buyer a live stream is for: checked before the stream answers 200 (once it has, a
    refusal can only cut it), holding one of the buyer's stream slots while it lasts."""
    iin = cabinet.require_person(principal)
    with streams.slot(iin):
        yield iin


MAX_EVENT_ID = 2**31 - 1
"""The largest notification id (the column is a 32-bit integer): a larger Last-Event-ID is a
client's mistake, not a query to run."""


@cabinet_router.get(
    "/notifications/stream",
    response_class=EventSourceResponse,
    summary="V10…: the cabinet's notifications as server-sent events, live",
    description="Sends the notifications after `after` (or the `Last-Event-ID` a reconnecting "
    "EventSource sends), then each new one as it is committed; with `applicationId`, only "
    "those about that application (a page that follows one application). Event "
    "`notification`, id = the notification's id, data = the notification as in "
    "GET /cabinet/notifications. A buyer's token only (403 otherwise, before the stream "
    "starts); at most `streams_per_principal` streams per buyer at once (429 "
    "TOO_MANY_STREAMS beyond).",
    responses={429: {"description": "TOO_MANY_STREAMS: the buyer's streams are all open"}},
)
async def notification_stream(
    iin: Annotated[str, Depends(_stream_holder)],
    db: AppDatabase,
    notices: Notices,
    settings: RegistrationSettings,
    after: Annotated[
        int, Query(ge=0, le=MAX_EVENT_ID, description="only those with a greater id")
    ] = 0,
    application_id: Annotated[
        str | None,
        Query(alias="applicationId", max_length=36, description="only those about it"),
    ] = None,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_EVENT_ID)] = None,
) -> AsyncIterator[ServerSentEvent]:
    cursor = max(after, last_event_id or 0)
    while True:
        # Woken only by commits that notify this buyer, or this application when filtered.
        changed = notices.changed(application_id or iin)
        async with db.autocommit() as session:
            items = await NotificationRepository(session).of(
                iin, cursor, limit=_STREAM_PAGE, application_id=application_id
            )
        for item in items:
            cursor = item.id
            yield ServerSentEvent(
                event="notification",
                id=str(item.id),
                data=NotificationView.of(item).model_dump(mode="json", by_alias=True),
            )
        # A short page was all there was when `changed` was taken: a commit since has set it.
        if len(items) < _STREAM_PAGE:
            await notices.wait(changed, settings.notification_poll_seconds)


_STREAM_PAGE = 100


@cabinet_router.get("/documents", summary="V19: the buyer's digital documents (СРТС)")
async def documents(portal: ReadingPortalDep, principal: SignedIn) -> list[DigitalDocument]:
    iin = cabinet.require_person(principal)
    items = await CertificateRepository(portal.session).of_owner(iin)
    return [DigitalDocument.of(c) for c in items]


@cabinet_router.get("/documents/{number}", summary="V19: one СРТС, as data")
async def document(portal: ReadingPortalDep, principal: SignedIn, number: str) -> DigitalDocument:
    return DigitalDocument.of(await _certificate(portal, principal, number))


@cabinet_router.get(
    "/documents/{number}/pdf",
    summary="V19: one СРТС, as the PDF the printing centre made",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def document_pdf(portal: ReadingPortalDep, principal: SignedIn, number: str) -> Response:
    certificate = await _certificate(portal, principal, number)
    return Response(
        certificate.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="SRTS-{certificate.number}.pdf"'},
    )


async def _certificate(portal: Portal, principal: SignedIn, number: str) -> Certificate:
    iin = cabinet.require_person(principal)
    certificate = await CertificateRepository(portal.session).get(number)
    if certificate is None or certificate.owner_iin != iin:
        raise StepRefusal("SRTS_NOT_FOUND", "V19", status=404, field="number")
    return certificate


@police_router.get("", summary="V19: the inbox of the officer's region")
async def police_inbox(
    portal: ReadingPortalDep,
    principal: SignedIn,
    pending: Annotated[
        bool, Query(description="true: waiting for a decision, oldest first; false: decided")
    ] = True,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> list[PoliceCaseView]:
    officer = police.require_officer(principal)
    rows = await PoliceCaseRepository(portal.session).inbox(
        officer.region_code, pending=pending, limit=limit, offset=offset
    )
    return [PoliceCaseView.of(case, app) for case, app in rows]


@police_router.get("/{application_id}", summary="V19: one case, with every check of V1–V18")
async def police_case(
    portal: ReadingPortalDep, principal: SignedIn, application_id: str
) -> PoliceCaseView:
    officer = police.require_officer(principal)
    case = await police.case_of(portal, officer, application_id)
    app = await _application(portal, case.application_id)
    checks = await CheckRepository(portal.session).of(app.id)
    return PoliceCaseView.of(case, app, list(checks))


@police_router.get(
    "/{application_id}/decision-document", summary="V19: the decision document the officer signs"
)
async def police_decision_document(
    portal: ReadingPortalDep,
    principal: SignedIn,
    application_id: str,
    approve: bool,
    reason: Annotated[str | None, Query(min_length=3, max_length=1000)] = None,
) -> SigningDocument:
    officer = police.require_officer(principal)
    case = await police.case_of(portal, officer, application_id)
    app = await _application(portal, case.application_id)
    return _signing(decision_document(app, approve, reason))


@police_router.post(
    "/{application_id}/decision",
    summary="V19: approve (the plate is issued, the СРТС printed) or refuse with a reason",
)
async def police_decision(step: StepDep, application_id: str, body: DecisionIn) -> PoliceCaseView:
    portal = step.portal
    officer = police.require_officer(step.principal)
    case = await police.case_of(portal, officer, application_id)
    app = await _application(portal, case.application_id)

    async def work() -> PoliceCaseView:
        await portal.claim(app)
        decided = await police.decide(
            portal,
            case,
            app,
            officer=officer,
            approve=body.approve,
            reason=body.reason,
            cms=body.cms,
        )
        return PoliceCaseView.of(case, decided)

    return await step.once("decision", app, body.model_dump(mode="json"), PoliceCaseView, work)


async def _application(portal: Portal, application_id: str) -> Application:
    app = await portal.applications.get(application_id)
    if app is None:
        raise StepRefusal("APPLICATION_NOT_FOUND", "V19", status=404, field="applicationId")
    return app


@admin_router.get("/policy", summary="The policy testers may change at run time")
async def read_policy(settings: RegistrationSettings) -> PolicyView:
    return PolicyView(auto_decision=settings.auto_decision)


@admin_router.put("/policy", summary="Turn the police desk's auto-decision rule on or off (V19)")
async def put_policy(settings: RegistrationSettings, body: PolicyView) -> PolicyView:
    settings.auto_decision = body.auto_decision
    return body


@reference_router.get("/centres", summary="V15: the ЦОН offices of the pilot regions")
async def centres() -> list[CentreView]:
    return [
        CentreView(
            id=c.id, region_code=c.region_code, name=c.name, name_kk=c.name_kk, address=c.address
        )
        for c in SERVICE_CENTRES
    ]


def _signing(content: dict[str, object]) -> SigningDocument:
    document = canonical(content)
    return SigningDocument(document=b64(document), sha256=sha256(document), content=content)
