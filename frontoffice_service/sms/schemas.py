"""The contract of the SMS centre's inbox."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from frontoffice_service.schemas import Contract
from frontoffice_service.sms.models import SmsMessage


class SmsRecord(Contract):
    event_id: UUID
    phone: str
    text: str
    sender: str
    reference: str | None
    sent_at: datetime
    received_at: datetime


class SmsCleared(Contract):
    deleted: int


def to_sms(message: SmsMessage) -> SmsRecord:
    return SmsRecord(
        event_id=UUID(message.event_id),
        phone=message.phone,
        text=message.body,
        sender=message.sender,
        reference=message.reference,
        sent_at=message.sent_at,
        received_at=message.received_at,
    )
