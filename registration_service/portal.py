"""What every step of the portal works with: the request's session, the registries, the
clock, the policy. One object per request, so the step functions read like the algorithm."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from registration_service.checks import Checks
from registration_service.models import Application, Notification
from registration_service.notices import NoticeBoard
from registration_service.problems import REFUSALS, wrong_step
from registration_service.repository import ApplicationRepository, NotificationRepository
from registration_service.settings import Settings
from registration_service.states import State
from servicekit.clock import ALMATY, Clock, instant
from servicekit.db import DbSession, ReaderSession, after_commit
from servicekit.events import SmsRequested
from servicekit.idempotency import Idempotency
from servicekit.outbox import Outbox
from servicekit.states import set_state

_TESTER_HEADERS = ("x-test-scenario", "x-test-run-id")
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Portal:
    session: AsyncSession
    settings: Settings
    clock: Clock
    checks: Checks
    outbox: Outbox
    idempotency: Idempotency
    notices: NoticeBoard

    @property
    def applications(self) -> ApplicationRepository:
        return ApplicationRepository(self.session)

    async def save(self, application: Application) -> Application:
        application.updated_at = self.now()
        await self.applications.save(application)
        return application

    async def claim(self, application: Application) -> Application:
        """Take the application for this request before it asks any registry: of two steps
        racing on one application the database lets one through and refuses the other (409),
        before the loser has reserved, issued, released or annulled anything in a registry,
        and without a 500 when its writes would have found the row changed."""
        application.updated_at = self.now()
        await self.applications.claim(application)
        return application

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().astimezone(ALMATY).date()

    def refuse(
        self,
        application: Application,
        code: str,
        step: str,
        registry: str | None,
        message_id: str | None = None,
        *,
        final: State = State.REFUSED,
        **params: Any,
    ) -> None:
        """A motivated refusal (final): the code, the step, who said no and why. `final` is
        DECLINED when the buyer ends the application themselves."""
        set_state(application, final)
        application.refusal = {
            "code": code,
            "step": step,
            "registry": registry,
            "messageId": message_id,
            "messages": REFUSALS[code].render(params),
            "at": instant(self.now()),
        }
        application.updated_at = self.now()

    def notify(self, application: Application, kind: str, step: str, texts: dict[str, str]) -> None:
        """A message in the buyer's cabinet (V10, V14, V19…), live on its stream once committed."""
        assert application.buyer_iin is not None
        # The buyer's streams, and those that follow this application only.
        wake = functools.partial(self.notices.wake, application.buyer_iin, application.id)
        after_commit(self.session, wake)
        NotificationRepository(self.session).add(
            Notification(
                recipient_iin=application.buyer_iin,
                application_id=application.id,
                kind=kind,
                step=step,
                texts=texts,
                created_at=self.now(),
            )
        )

    async def sms(self, application: Application, text: str) -> None:
        phone = (application.buyer or {}).get("phone")
        if phone:
            await self.outbox.stage(
                self.session,
                SmsRequested(
                    occurred_at=self.now(),
                    phone=phone,
                    text=text,
                    sender=self.settings.service_name,
                    reference=application.number,
                ),
            )


def new_number(today: date) -> str:
    """A portal application number, e.g. VR-260302-7K4Q9M: short enough to read out at a ЦОН."""
    value = uuid.uuid4().int
    tail = "".join(_NUMBER_ALPHABET[(value >> (5 * i)) & 31] for i in range(6))
    return f"VR-{today:%y%m%d}-{tail}"


def require_state(application: Application, *states: State) -> None:
    if application.state not in states:
        raise wrong_step(application.state)


def portal_for(
    app: FastAPI, session: AsyncSession, headers: dict[str, str] | None = None
) -> Portal:
    """The portal in `session`'s transaction: a request's, or a consumer's own."""
    state = app.state
    return Portal(
        session=session,
        settings=state.settings,
        clock=state.clock,
        checks=Checks(session, state.gateway, state.db, state.clock, headers),
        outbox=state.outbox,
        idempotency=state.idempotency,
        notices=state.notices,
    )


async def _portal(request: Request, session: DbSession) -> Portal:
    headers = {k: v for k, v in request.headers.items() if k in _TESTER_HEADERS}
    return portal_for(request.app, session, headers)


PortalDep = Annotated[Portal, Depends(_portal)]


async def _reading_portal(request: Request, session: ReaderSession) -> Portal:
    return portal_for(request.app, session)


ReadingPortalDep = Annotated[Portal, Depends(_reading_portal)]
"""The portal of an endpoint that only reads (it calls no registry, so records no check)."""
