"""The archive of the machinery service (M16–M17): the paper basis of every application sent
to the provider stays at its front office for one month, then the provider takes it away by an
acceptance act in two copies, signed with ЭЦП by the provider and by the head of the front
office (or the deputy).

The month (M16), by the bus clock in Asia/Almaty, where the offices work: an application sent
on day D is kept through `keep_until(D)` — the same day of the next month, or that month's last
day when it has no such day (31 January → 28/29 February) — inclusive, and may leave from the
next day on. So "due" is `keep_until < today`, in the query that lists what may leave, in the
one that puts documents in an act, and once more when a party signs: a tester who moves the
clock back cannot hand over paper whose month is not over.

The act (M17): the provider's officer of the office's region draws it up; it lists every due
application of that office not in another act (an application has one `act_id`, so it is in
one act at most). Both parties sign the same document (`ArchiveAct.document`: the number, the
date, the office, the provider and the list; the head is named by the signature, not in
advance). Each party signs once: one conditional UPDATE per signature decides between two
requests of the same party, and the same statement makes the act SIGNED when the other
party's signature is already there, so the second of two parties signing at once sees the
first's and completes the act. In the transaction that completes it, every listed application
becomes HANDED_OVER.

Who sees what: an officer sees the offices and acts of their own region only (an office of
another region is 403 PROVIDER_OFFICE_FORBIDDEN, as a worker's other office is; an act of
another region is 404, as if it did not exist, as another region's application is); an office
sees its own acts (404 for others).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

import frontoffice_service.machinery_problems  # noqa: F401  (the codes below)
from frontoffice_service.access import ProviderOfficer, Worker
from frontoffice_service.machinery import CHECKLISTS, Action
from frontoffice_service.machinery_models import (
    ActStatus,
    ArchiveAct,
    ArchiveStatus,
    MachineryApplication,
)
from frontoffice_service.problems import Refusal
from frontoffice_service.signing import require_signature
from servicekit import pdf
from servicekit.clock import ALMATY
from servicekit.errors import Problem
from servicekit.gateway_client import GatewayClient
from servicekit.service_centres import ServiceCentre, service_centre
from servicekit.signatures import MalformedCms, describe, read_cms

log = structlog.get_logger(__name__)


# --- the month (M16) --------------------------------------------------------------------------


def keep_until(sent_at: datetime) -> date:
    """M16: the last day the office keeps the paper basis of an application sent at `sent_at`
    — one calendar month after the sending day in Asia/Almaty, clamped to the end of a shorter
    month (31 January → 28 or 29 February). The paper may leave on the day after it."""
    if sent_at.tzinfo is None:
        # A naive time would be read as the machine's zone: one day off near midnight.
        raise ValueError("keep_until takes a timezone-aware datetime")
    sent_on = sent_at.astimezone(ALMATY).date()
    year, month = (
        (sent_on.year + 1, 1) if sent_on.month == 12 else (sent_on.year, sent_on.month + 1)
    )
    return date(year, month, min(sent_on.day, calendar.monthrange(year, month)[1]))


def is_due(kept_until: date, today: date) -> bool:
    """M16: the month is over: the paper may leave today."""
    return kept_until < today


def leave_from(kept_until: date) -> date:
    """M16: the first day the paper may leave the office."""
    return kept_until + timedelta(days=1)


class Party(StrEnum):
    PROVIDER = "PROVIDER"
    """The provider's officer (akimat of the office's region)."""
    HEAD = "HEAD"
    """The head of the front office, or the deputy."""


# --- SQL --------------------------------------------------------------------------------------


class ArchiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def kept(self, office: str) -> Sequence[MachineryApplication]:
        """Everything the office keeps (in an act or not), the soonest to leave first."""
        return (
            await self.session.scalars(
                select(MachineryApplication)
                .where(
                    MachineryApplication.office == office,
                    MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
                )
                .order_by(MachineryApplication.keep_until, MachineryApplication.number)
            )
        ).all()

    async def due(
        self, region: str, office: str | None, today: date
    ) -> Sequence[MachineryApplication]:
        """What may leave today and is in no act yet: the region's, or one office's."""
        query = select(MachineryApplication).where(
            MachineryApplication.region == region,
            MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
            MachineryApplication.act_id.is_(None),
            MachineryApplication.keep_until < today,
        )
        if office is not None:
            query = query.where(MachineryApplication.office == office)
        query = query.order_by(
            MachineryApplication.office,
            MachineryApplication.keep_until,
            MachineryApplication.number,
        )
        return (await self.session.scalars(query)).all()

    async def claim(self, act_id: str, office: str, today: date, at: datetime) -> None:
        """Put every due application of the office that is in no act into this act.

        One UPDATE whose WHERE repeats the due rule: on PostgreSQL a concurrent draw-up waits
        for the rows this one locked, then finds them taken (`act_id` set) and skips them."""
        await self.session.execute(
            update(MachineryApplication)
            .where(
                MachineryApplication.office == office,
                MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
                MachineryApplication.act_id.is_(None),
                MachineryApplication.keep_until < today,
            )
            .values(act_id=act_id, updated_at=at)
            .execution_options(synchronize_session=False)
        )

    async def listed(self, act_id: str) -> Sequence[MachineryApplication]:
        """The applications of an act, in the order the act lists them."""
        return (
            await self.session.scalars(
                select(MachineryApplication)
                .where(MachineryApplication.act_id == act_id)
                .order_by(MachineryApplication.keep_until, MachineryApplication.number)
                .execution_options(populate_existing=True)
            )
        ).all()

    async def acts_numbered(self, prefix: str) -> int:
        """How many acts carry numbers starting with `prefix` (an office's acts of a day)."""
        count = await self.session.scalar(
            select(func.count()).select_from(ArchiveAct).where(ArchiveAct.number.like(f"{prefix}%"))
        )
        return int(count or 0)

    async def add_act(self, act: ArchiveAct) -> None:
        self.session.add(act)
        await self.session.flush()

    async def act(self, act_id: str) -> ArchiveAct | None:
        return await self.session.get(ArchiveAct, act_id, populate_existing=True)

    async def acts(
        self, region: str, *, office: str | None, status: ActStatus | None, limit: int
    ) -> Sequence[ArchiveAct]:
        query = select(ArchiveAct).where(ArchiveAct.region == region)
        if office is not None:
            query = query.where(ArchiveAct.office == office)
        if status is not None:
            query = query.where(ArchiveAct.status == status)
        query = query.order_by(ArchiveAct.created_at.desc(), ArchiveAct.number.desc())
        return (await self.session.scalars(query.limit(limit))).all()

    async def sign(
        self, act_id: str, party: Party, *, iin: str, at: datetime, cms: str
    ) -> ActStatus | None:
        """Record `party`'s signature unless it is there already (None then); the act becomes
        SIGNED in the same statement when the other party has signed."""
        if party is Party.PROVIDER:
            own, other = ArchiveAct.provider_cms, ArchiveAct.head_cms
            values = {"provider_signed_by": iin, "provider_signed_at": at, "provider_cms": cms}
        else:
            own, other = ArchiveAct.head_cms, ArchiveAct.provider_cms
            values = {"head_signed_by": iin, "head_signed_at": at, "head_cms": cms}
        status = await self.session.scalar(
            update(ArchiveAct)
            .where(ArchiveAct.id == act_id, ArchiveAct.status == ActStatus.DRAFT, own.is_(None))
            .values(
                **values,
                status=case(
                    (other.is_not(None), literal(ActStatus.SIGNED.value)),
                    else_=literal(ActStatus.DRAFT.value),
                ),
            )
            .returning(ArchiveAct.status)
            .execution_options(synchronize_session=False)
        )
        return None if status is None else ActStatus(status)

    async def hand_over(self, act_id: str, at: datetime) -> int:
        """M17: the listed applications' paper has left the office."""
        result = await self.session.execute(
            update(MachineryApplication)
            .where(
                MachineryApplication.act_id == act_id,
                MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
            )
            .values(archive_status=ArchiveStatus.HANDED_OVER, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount


# --- who may see which office and act ---------------------------------------------------------


_PARTY_NAMES = {
    Party.PROVIDER: {
        "ru": "услугодателем",
        "kk": "көрсетілетін қызметті беруші",
        "en": "the provider",
    },
    Party.HEAD: {
        "ru": "руководителем фронт-офиса",
        "kk": "фронт-офис басшысы",
        "en": "the head of the front office",
    },
}


def provider_office(officer: ProviderOfficer, office: str) -> ServiceCentre:
    """An office whose archive this officer takes: one of the officer's region."""
    centre = service_centre(office)
    if centre is None or centre.region_code != officer.region:
        raise Problem(
            "PROVIDER_OFFICE_FORBIDDEN",
            status=403,
            field="office",
            office=office,
            region=officer.region,
        )
    return centre


def _act_not_found(act_id: str) -> Refusal:
    return Refusal("ARCHIVE_ACT_NOT_FOUND", step="M17", status=404, field="actId", act_id=act_id)


async def provider_act(session: AsyncSession, officer: ProviderOfficer, act_id: str) -> ArchiveAct:
    act = await ArchiveRepository(session).act(act_id)
    if act is None or act.region != officer.region:
        raise _act_not_found(act_id)
    return act


async def office_act(session: AsyncSession, worker: Worker, act_id: str) -> ArchiveAct:
    act = await ArchiveRepository(session).act(act_id)
    if act is None or act.office != worker.office.id:
        raise _act_not_found(act_id)
    return act


# --- the act (M17) ----------------------------------------------------------------------------

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
        raise Refusal("ARCHIVE_NOTHING_DUE", step="M16", status=409, field="office", office=office)
    prefix = f"{centre.id}-{today:%Y%m%d}-"
    act.number = f"{prefix}{await archive.acts_numbered(prefix) + 1}"
    act.document = act_document(
        number=act.number, day=today, centre=centre, officer=officer, applications=applications
    )
    await session.flush()
    log.info("archive act drawn up", act=act.number, applications=len(applications))
    return act


async def _sign(
    session: AsyncSession,
    gateway: GatewayClient,
    act: ArchiveAct,
    party: Party,
    *,
    signer_iin: str,
    cms: str,
    now: datetime,
) -> ArchiveAct:
    signed = act.provider_cms if party is Party.PROVIDER else act.head_cms
    if signed is not None:
        raise _already_signed(act, party)
    archive = ArchiveRepository(session)
    today = now.astimezone(ALMATY).date()
    # M16 again: the clock may have been set back since the act was drawn up.
    for application in await archive.listed(act.id):
        assert application.keep_until is not None
        if not is_due(application.keep_until, today):
            raise Refusal(
                "ARCHIVE_NOT_DUE_YET",
                step="M16",
                status=409,
                application=application.number,
                keep_until=f"{application.keep_until:%d.%m.%Y}",
                leave_from=f"{leave_from(application.keep_until):%d.%m.%Y}",
            )
    await require_signature(gateway, act.document, cms, signer_iin=signer_iin, step="M17")
    status = await archive.sign(act.id, party, iin=signer_iin, at=now, cms=cms)
    if status is None:
        raise _already_signed(act, party)  # the same party's other request was first
    if status is ActStatus.SIGNED:
        handed = await archive.hand_over(act.id, now)
        log.info("archive handed over", act=act.number, applications=handed)
    refreshed = await archive.act(act.id)
    assert refreshed is not None
    return refreshed


def _already_signed(act: ArchiveAct, party: Party) -> Refusal:
    return Refusal(
        "ARCHIVE_ACT_ALREADY_SIGNED",
        step="M17",
        status=409,
        field="cms",
        extra={"party": party.value},
        number=act.number,
        party=_PARTY_NAMES[party],
    )


async def sign_as_provider(
    session: AsyncSession,
    gateway: GatewayClient,
    officer: ProviderOfficer,
    act_id: str,
    cms: str,
    now: datetime,
) -> ArchiveAct:
    """M17: the provider's officer of the act's region signs it with their ЭЦП."""
    act = await provider_act(session, officer, act_id)
    return await _sign(
        session, gateway, act, Party.PROVIDER, signer_iin=officer.iin, cms=cms, now=now
    )


async def sign_as_head(
    session: AsyncSession,
    gateway: GatewayClient,
    head: Worker,
    act_id: str,
    cms: str,
    now: datetime,
) -> ArchiveAct:
    """M17: the head of the act's front office (or the deputy) signs it with their ЭЦП."""
    act = await office_act(session, head, act_id)
    return await _sign(session, gateway, act, Party.HEAD, signer_iin=head.iin, cms=cms, now=now)


# --- the PDF (M17) ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Signature:
    label: str
    by: str | None
    at: datetime | None
    cms: str | None


def _signature_line(signature: _Signature) -> str:
    if signature.cms is None or signature.at is None:
        return f"{signature.label}: не подписано"
    der = base64.b64decode(signature.cms)
    facts = ""
    try:
        certificate = describe(read_cms(der)[0].certificate)
        holder = ", ".join(n for n in (certificate.common_name, certificate.organization) if n)
        facts = f"{holder}; сертификат № {certificate.serial_number}; "
    except MalformedCms:  # НУЦ accepted it, so this is only for a row edited by hand
        pass
    return (
        f"{signature.label}: {facts}ИИН {signature.by}; подписано ЭЦП "
        f"{signature.at.astimezone(ALMATY):%d.%m.%Y %H:%M} (Алматы); "
        f"SHA-256 подписи (CMS) {hashlib.sha256(der).hexdigest()}"
    )


def pdf_document(act: ArchiveAct) -> pdf.Document:
    """The act as printed: both copies, each with the heading, the parties, the list of
    documents and the two signature blocks. Built from the act alone, so the same act gives
    the same bytes."""
    document = act.document
    office, provider = document["office"], document["provider"]
    lines: list[str] = []
    for index, application in enumerate(document["applications"], start=1):
        action = ACTIONS_RU.get(Action(application["action"]), application["action"])
        lines.append(
            f"{index}. Заявление № {application['number']} — {application['applicant']}; "
            f"{action}; техника {application['machineId']}; хранилось по "
            f"{date.fromisoformat(application['keepUntil']):%d.%m.%Y}"
        )
        lines.extend(f"    — {d['name']}" for d in application["documents"])
    signatures = [
        _Signature(
            "Услугодатель", act.provider_signed_by, act.provider_signed_at, act.provider_cms
        ),
        _Signature(
            "Руководитель фронт-офиса (заместитель)",
            act.head_signed_by,
            act.head_signed_at,
            act.head_cms,
        ),
    ]
    day = date.fromisoformat(document["date"])
    return pdf.Document(
        title="АКТ ПРИЁМА-ПЕРЕДАЧИ АРХИВНЫХ ДОКУМЕНТОВ",
        subtitle=f"Мұрағат құжаттарын қабылдау-тапсыру актісі № {act.number} от {day:%d.%m.%Y}",
        sections=[
            pdf.Section(
                "Стороны",
                [
                    ("Передаёт (фронт-офис)", f"{office['name']}, {office['address']}"),
                    (
                        "Принимает (услугодатель)",
                        f"{provider['name']}, БИН {provider['bin'] or '—'}",
                    ),
                    ("Акт составил (ИИН)", str(provider["drawnUpBy"])),
                    (
                        "Статус акта",
                        "подписан обеими сторонами"
                        if act.status is ActStatus.SIGNED
                        else "ожидает подписей",
                    ),
                ],
            ),
            pdf.Section(
                f"Перечень документов: заявлений {len(document['applications'])}, "
                f"документов {document['documentCount']}",
                lines=lines,
            ),
            pdf.Section("Подписи", lines=[_signature_line(s) for s in signatures]),
        ],
        created_at=act.created_at,
        footer=(
            "Документы — основание заявлений о регистрации сельхозтехники, хранившиеся в ЦОН "
            "один месяц (шаги M16–M17).",
            "Эмулятор egov-bus: документ не имеет юридической силы.",
        ),
        keywords=[act.number, act.office],
        copies=COPIES,
    )


def render_pdf(act: ArchiveAct) -> bytes:
    return pdf.render(pdf_document(act))
