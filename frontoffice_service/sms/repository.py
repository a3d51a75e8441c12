"""All SQL of the SMS centre."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.sms.models import SmsMessage
from servicekit.db import insert_new

_ADD_SMS = insert_new(SmsMessage, SmsMessage.id)


class SmsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_new(self, values: dict[str, Any]) -> bool:
        """Store a text; False if its event id is known."""
        return await self.session.scalar(_ADD_SMS(self.session), values) is not None

    async def inbox(self, phone: str | None, limit: int) -> Sequence[SmsMessage]:
        """Texts of a phone (or of every phone), newest first."""
        query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
        if phone is not None:
            query = query.where(SmsMessage.phone == phone)
        return (await self.session.scalars(query)).all()

    async def clear(self, phone: str | None) -> int:
        statement = delete(SmsMessage)
        if phone is not None:
            statement = statement.where(SmsMessage.phone == phone)
        result = await self.session.execute(statement)
        assert isinstance(result, CursorResult)
        return result.rowcount
