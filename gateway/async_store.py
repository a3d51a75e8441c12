"""The async channel's message store: every message the gateway accepted, and its state.

It is the source of truth for `getMessageStatus` and the outbox of the mailboxes: a message is
committed here before it is published to RabbitMQ, and `published` is set once the broker
confirmed it. A message the gateway stored but could not publish (broker down, process killed
in between) is published again by the relay, so nothing accepted is ever lost.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models import Base
from servicekit.db import UtcDateTime
from servicekit.envelope import ORIGINAL_ID_LENGTH, DeliveryState


class StoredMessage(Base):
    __tablename__ = "async_messages"

    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    original_message_id: Mapped[str | None] = mapped_column(String(ORIGINAL_ID_LENGTH))
    """The sender's own messageId when it was no GUID (a SOAP caller's): `message_id` is the
    UUID that stands for it. A RESPONSE to this message gives it back as its correlationId."""
    correlation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    session_id: Mapped[str] = mapped_column(String(36))
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    message_type: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str] = mapped_column(String(100), index=True)
    recipient: Mapped[str] = mapped_column(String(100), index=True)
    mailbox: Mapped[str] = mapped_column(String(250))
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    run_id: Mapped[str | None] = mapped_column(String(100))
    scenario: Mapped[str | None] = mapped_column(String(200))
    envelope: Mapped[str] = mapped_column(Text)
    """The message as the recipient gets it (JSON, with the gateway's sessionId)."""


FINAL_STATES = (DeliveryState.DELIVERED.value, DeliveryState.DELIVERY_STOPPED.value)


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, message: StoredMessage) -> None:
        self.session.add(message)

    async def get(self, message_id: str) -> StoredMessage | None:
        return await self.session.get(StoredMessage, message_id)

    async def many(self, message_ids: Sequence[str]) -> Sequence[StoredMessage]:
        return (
            await self.session.scalars(
                select(StoredMessage).where(StoredMessage.message_id.in_(message_ids))
            )
        ).all()

    async def unpublished(self, limit: int) -> Sequence[StoredMessage]:
        return (
            await self.session.scalars(
                select(StoredMessage)
                .where(StoredMessage.published.is_(False))
                .order_by(StoredMessage.created_at)
                .limit(limit)
            )
        ).all()

    async def mark_published(self, message_id: str) -> None:
        await self.session.execute(
            update(StoredMessage)
            .where(StoredMessage.message_id == message_id)
            .values(published=True)
        )

    async def stalled(
        self, attempts: int, before: datetime, pushed: Collection[str]
    ) -> Sequence[StoredMessage]:
        """Messages handed out `attempts` times, unconfirmed since before `before`, outside
        the `pushed` mailboxes (whose messages the push retries and their budget govern)."""
        return (
            await self.session.scalars(
                select(StoredMessage).where(
                    StoredMessage.state.not_in(FINAL_STATES),
                    StoredMessage.attempts >= attempts,
                    StoredMessage.updated_at < before,
                    StoredMessage.mailbox.not_in(pushed),
                )
            )
        ).all()

    async def listing(
        self, *, state: str | None, service_id: str | None, limit: int
    ) -> Sequence[StoredMessage]:
        query = select(StoredMessage).order_by(StoredMessage.created_at.desc()).limit(limit)
        if state is not None:
            query = query.where(StoredMessage.state == state)
        if service_id is not None:
            query = query.where(StoredMessage.service_id == service_id)
        return (await self.session.scalars(query)).all()
