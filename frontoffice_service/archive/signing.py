"""M17: each party signs the act once with ЭЦП; the second signature completes it, and the
listed applications' paper leaves the office (HANDED_OVER)."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import ProviderOfficer, Worker
from frontoffice_service.archive.models import ActStatus, ArchiveAct, Party
from frontoffice_service.archive.repository import ArchiveRepository
from frontoffice_service.archive.visibility import office_act, provider_act
from frontoffice_service.machinery.keeping import is_due, leave_from
from frontoffice_service.signing import require_signature
from servicekit.clock import ALMATY
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient

log = structlog.get_logger(__name__)

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
            raise StepRefusal(
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


def _already_signed(act: ArchiveAct, party: Party) -> StepRefusal:
    return StepRefusal(
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
