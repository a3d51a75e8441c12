"""The HTTP surface of the archive (M16–M17): the provider's side (`/provider/archive`, an
akimat officer, their region's offices only) and the office's side (`/offices/{office}/archive`,
its workers; the signature of the head of the office or the deputy).

Both parties sign the act's `document` as it is answered: a detached CMS over its canonical
bytes (JSON, keys sorted, UTF-8, no spaces: `servicekit.documents.canonical`). Every POST takes
an optional `Idempotency-Key`.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from frontoffice_service.access import OfficeHead, OfficeWorker, Provider
from frontoffice_service.archive import acts, signing, visibility
from frontoffice_service.archive.acts import present_documents
from frontoffice_service.archive.models import ActStatus, ArchiveAct
from frontoffice_service.archive.pdf import render_pdf
from frontoffice_service.archive.repository import ArchiveRepository
from frontoffice_service.archive.schemas import ActIn, ActRecord, ArchiveItemRecord
from frontoffice_service.machinery.keeping import is_due, leave_from
from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.machinery.schemas import SignIn, SigningDocument
from frontoffice_service.routes import WORKER, Idempotent, Responses
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.gateway_client import Gateway
from servicekit.openapi import keep_old_path

ActId = Annotated[UUID, PathParam(alias="actId", description="the act's `id`")]


OfficeFilter = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=20,
        pattern=r"^[A-Z]{3}-[A-Z]+$",
        description="one office of your region (GET /offices lists them); all of them if absent",
    ),
]


_PROVIDER: Responses = {
    403: {
        "description": "PROVIDER_OFFICER_REQUIRED; PROVIDER_OFFICE_FORBIDDEN: an office of "
        "another region"
    },
}


_HEAD: Responses = {
    403: {
        "description": "FRONTOFFICE_WORKER_REQUIRED; OFFICE_FORBIDDEN: not this office's; "
        "FRONTOFFICE_HEAD_REQUIRED: a worker who is not the head (or deputy)"
    },
}


_ACT_NOT_FOUND: Responses = {
    404: {"description": "ARCHIVE_ACT_NOT_FOUND: no such act here (another region's or office's)"}
}


_SIGN: Responses = {
    **_ACT_NOT_FOUND,
    409: {
        "description": "ARCHIVE_ACT_ALREADY_SIGNED: this party signed it before (`party`); "
        "ARCHIVE_NOT_DUE_YET: a listed application's month is not over (the clock was set "
        "back): nothing leaves before"
    },
    422: {
        "description": "SIGNATURE_NOT_ACCEPTED (step M17, НУЦ's `reasons`): not a good "
        "signature of this act's document by the signed-in person"
    },
    503: {"description": "SIGNATURE_CHECK_UNAVAILABLE: НУЦ cannot be reached, try again"},
}


_PDF: Responses = {200: {"content": {"application/pdf": {}}, "description": "the act, PDF"}}


def to_act(act: ArchiveAct) -> ActRecord:
    to_sign = SigningDocument.of(act.document)
    return ActRecord(
        id=UUID(act.id),
        number=act.number,
        office=act.office,
        region=act.region,
        status=act.status,
        document=to_sign.document,
        sha256=to_sign.sha256,
        content=to_sign.content,
        created_at=act.created_at,
        provider_signed_by=act.provider_signed_by,
        provider_signed_at=act.provider_signed_at,
        head_signed_by=act.head_signed_by,
        head_signed_at=act.head_signed_at,
    )


def to_item(application: MachineryApplication, today: date) -> ArchiveItemRecord:
    assert application.keep_until is not None  # set with AT_OFFICE when it was sent (M9)
    return ArchiveItemRecord(
        application_id=UUID(application.id),
        number=application.number,
        office=application.office,
        region=application.region,
        applicant_name=application.applicant_name,
        action=application.action,
        machine_id=application.machine_id,
        documents=[d["code"] for d in present_documents(application)],
        sent_at=application.sent_at,
        keep_until=application.keep_until,
        leave_from=leave_from(application.keep_until),
        due=is_due(application.keep_until, today),
        act_id=UUID(application.act_id) if application.act_id else None,
    )


async def _pdf(act: ArchiveAct) -> Response:
    # Fonts and layout take tens of milliseconds: off the event loop, as the СРТС's printing.
    content = await asyncio.to_thread(render_pdf, act)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{act.number}.pdf"'},
    )


provider_archive = APIRouter(prefix="/provider/archive", tags=["archive (M16–M17): provider"])


@provider_archive.get(
    "/due",
    summary="M16: what the provider may take away now, per office of the officer's region",
    description="Applications whose paper was kept at their office for the month (the day "
    "after `keepUntil`, Asia/Almaty, by the bus clock) and that are in no acceptance act yet.",
    responses=_PROVIDER,
)
async def due(
    officer: Provider, clock: BusClock, session: DbSession, office: OfficeFilter = None
) -> list[ArchiveItemRecord]:
    if office is not None:
        visibility.provider_office(officer, office)
    today = clock.today()
    found = await ArchiveRepository(session).due(officer.region, office, today)
    return [to_item(a, today) for a in found]


@provider_archive.post(
    "/acts",
    status_code=201,
    summary="M17: draw up the acceptance act of an office's archive",
    description="Lists every application of the office whose month is over and that is in no "
    "other act; `document` is what the provider and the head of the office both sign.",
    responses={
        **_PROVIDER,
        409: {"description": "ARCHIVE_NOTHING_DUE: nothing of this office may leave yet"},
    },
)
async def draw_up(body: ActIn, officer: Provider, clock: BusClock, once: Idempotent) -> ActRecord:
    now = clock.now()

    async def work() -> ActRecord:
        return to_act(await acts.draw_up(once.session, officer, body.office, now))

    asked = {"body": body.model_dump(mode="json")}
    return await once.run(f"{officer.iin}:archive-draw-up", asked, ActRecord, work)


@provider_archive.get(
    "/acts", summary="The acts of the officer's region, newest first", responses=_PROVIDER
)
async def list_acts(
    officer: Provider,
    session: DbSession,
    office: OfficeFilter = None,
    status: ActStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ActRecord]:
    if office is not None:
        visibility.provider_office(officer, office)
    found = await ArchiveRepository(session).acts(
        officer.region, office=office, status=status, limit=limit
    )
    return [to_act(a) for a in found]


@provider_archive.get(
    "/acts/{actId}", summary="One act of the officer's region", responses=_PROVIDER | _ACT_NOT_FOUND
)
async def provider_act(act_id: ActId, officer: Provider, session: DbSession) -> ActRecord:
    return to_act(await visibility.provider_act(session, officer, str(act_id)))


@provider_archive.get(
    "/acts/{actId}/pdf",
    summary="The act as a PDF: both copies, with the list and the signatures so far",
    response_class=Response,
    responses={**_PDF, **_PROVIDER, **_ACT_NOT_FOUND},
)
async def provider_act_pdf(act_id: ActId, officer: Provider, session: DbSession) -> Response:
    return await _pdf(await visibility.provider_act(session, officer, str(act_id)))


@provider_archive.post(
    "/acts/{actId}/signature",
    summary="M17: the provider signs the act with ЭЦП",
    description="A detached CMS over the bytes the act's `document` (base64) encodes, by the "
    "signed-in officer. With the head's signature already there the act is SIGNED and the "
    "listed applications HANDED_OVER.",
    responses={**_PROVIDER, **_SIGN},
)
async def provider_sign(
    act_id: ActId,
    body: SignIn,
    officer: Provider,
    clock: BusClock,
    gateway: Gateway,
    once: Idempotent,
) -> ActRecord:
    now = clock.now()

    async def work() -> ActRecord:
        act = await signing.sign_as_provider(
            once.session, gateway, officer, str(act_id), body.cms, now
        )
        return to_act(act)

    asked = {"actId": str(act_id), "body": body.model_dump(mode="json")}
    return await once.run(f"{officer.iin}:archive-sign", asked, ActRecord, work)


keep_old_path(provider_archive, "/acts/{actId}/signature", old="/acts/{actId}/sign")


office_archive = APIRouter(
    prefix="/offices/{office}/archive", tags=["archive (M16–M17): front office"]
)


@office_archive.get(
    "",
    summary="M16: the paper basis this office keeps, the soonest to leave first",
    description="Every application whose paper is still here, with the last day it is kept "
    "(`keepUntil`), whether it may leave today (`due`) and the act it is listed in.",
    responses=WORKER,
)
async def kept(
    worker: OfficeWorker, clock: BusClock, session: DbSession
) -> list[ArchiveItemRecord]:
    today = clock.today()
    found = await ArchiveRepository(session).kept(worker.office.id)
    return [to_item(a, today) for a in found]


@office_archive.get(
    "/acts/{actId}", summary="One act of this office", responses=WORKER | _ACT_NOT_FOUND
)
async def office_act(act_id: ActId, worker: OfficeWorker, session: DbSession) -> ActRecord:
    return to_act(await visibility.office_act(session, worker, str(act_id)))


@office_archive.get(
    "/acts/{actId}/pdf",
    summary="The act as a PDF: both copies, with the list and the signatures so far",
    response_class=Response,
    responses={**_PDF, **WORKER, **_ACT_NOT_FOUND},
)
async def office_act_pdf(act_id: ActId, worker: OfficeWorker, session: DbSession) -> Response:
    return await _pdf(await visibility.office_act(session, worker, str(act_id)))


@office_archive.post(
    "/acts/{actId}/signature",
    summary="M17: the head of the office (or the deputy) signs the act with ЭЦП",
    description="A detached CMS over the bytes the act's `document` (base64) encodes, by the "
    "signed-in head. With the provider's signature already there the act is SIGNED and the "
    "listed applications HANDED_OVER.",
    responses={**_HEAD, **_SIGN},
)
async def head_sign(
    act_id: ActId,
    body: SignIn,
    head: OfficeHead,
    clock: BusClock,
    gateway: Gateway,
    once: Idempotent,
) -> ActRecord:
    now = clock.now()

    async def work() -> ActRecord:
        act = await signing.sign_as_head(once.session, gateway, head, str(act_id), body.cms, now)
        return to_act(act)

    asked = {"office": head.office.id, "actId": str(act_id), "body": body.model_dump(mode="json")}
    return await once.run(f"{head.iin}:archive-sign-head", asked, ActRecord, work)


keep_old_path(office_archive, "/acts/{actId}/signature", old="/acts/{actId}/sign")
