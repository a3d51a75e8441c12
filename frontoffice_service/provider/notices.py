"""M11, M13: the applicant's SMS, through the outbox to the SMS centre."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.models import MachineryApplication
from servicekit.events import SmsRequested
from servicekit.messages import texts_for
from servicekit.outbox import Outbox


async def send_sms(
    session: AsyncSession,
    outbox: Outbox,
    app: MachineryApplication,
    code: str,
    now: datetime,
    **params: Any,
) -> None:
    text = texts_for(code).render({"number": app.number, **params})["ru"]
    await outbox.stage(
        session,
        SmsRequested(
            occurred_at=now,
            phone=app.phone,
            text=text,
            sender="frontoffice_service",
            reference=app.number,
        ),
    )
