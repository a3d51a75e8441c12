"""The SMS centre (like MailHog): texts the state services send to phones (V19, M11) are kept
here for testers to read, instead of going to a mobile operator."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.sms.repository import SmsRepository
from servicekit.events import SmsRequested

log = structlog.get_logger(__name__)


async def receive(session: AsyncSession, event: SmsRequested, now: datetime) -> bool:
    """Keep the text; False if this event was already received."""
    added = await SmsRepository(session).add_if_new(
        {
            "event_id": str(event.event_id),
            "phone": event.phone,
            "body": event.text,
            "sender": event.sender,
            "reference": event.reference,
            "sent_at": event.occurred_at,
            "received_at": now,
        }
    )
    log.info("sms received" if added else "sms already received", sender=event.sender)
    return added
