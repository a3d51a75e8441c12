"""The HTTP surface of the SMS centre: the testers' inbox (no token) and its admin API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from frontoffice_service.schemas import Phone
from frontoffice_service.sms.repository import SmsRepository
from frontoffice_service.sms.schemas import SmsCleared, SmsRecord, to_sms
from servicekit.admin import AdminOnly
from servicekit.db import DbSession, ReaderSession

sms = APIRouter(prefix="/sms", tags=["SMS centre"])


@sms.get(
    "/messages",
    summary="Texts sent to phones, newest first (a testers' inbox: no token)",
    description="`phone` in international form; in a query string the `+` is `%2B`.",
)
async def list_sms(
    session: ReaderSession,
    phone: Annotated[Phone | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SmsRecord]:
    return [to_sms(m) for m in await SmsRepository(session).inbox(phone, limit)]


admin = APIRouter(prefix="/admin", tags=["admin: SMS centre"])


@admin.delete("/sms/messages", summary="Empty the SMS inbox (of one phone, or of all)")
async def clear_sms(
    _: AdminOnly, session: DbSession, phone: Annotated[Phone | None, Query()] = None
) -> SmsCleared:
    return SmsCleared(deleted=await SmsRepository(session).clear(phone))
