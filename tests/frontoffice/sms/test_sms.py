"""The SMS centre: texts the state services send (`sms.send`, V19 and M11) land in an inbox
testers read by phone, once each, and can empty through the admin API."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx

from servicekit.clock import bus_clock
from servicekit.events import SmsRequested
from tests.frontoffice.support import WAIT_SECONDS, FrontOffice
from tests.harness import ADMIN


def _phone() -> str:
    return f"+7701{random.randrange(10**7):07d}"


def _sms(phone: str, text: str) -> SmsRequested:
    return SmsRequested(
        occurred_at=bus_clock.now(),
        phone=phone,
        text=text,
        sender="registration_service",
        reference="KZ-0001",
    )


async def _inbox(http: httpx.AsyncClient, phone: str, count: int) -> list[dict[str, Any]]:
    """The phone's texts, once at least `count` have arrived."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        reply = await http.get("/sms/messages", params={"phone": phone})
        assert reply.status_code == 200, reply.text
        messages: list[dict[str, Any]] = reply.json()
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        await asyncio.sleep(0.05)


async def test_sms_inbox_by_phone_newest_first_each_text_once(office: FrontOffice) -> None:
    phone, other_phone = _phone(), _phone()
    first = _sms(phone, "Документы готовы к выдаче в ЦОН Алмалинского района")
    await office.publish(first)
    await office.publish(first)  # delivered again
    await _inbox(office.http, phone, 1)
    second = _sms(phone, "Ваше заявление одобрено")
    await office.publish(second)
    await office.publish(_sms(other_phone, "Другому абоненту"))

    inbox = await _inbox(office.http, phone, 2)
    assert [m["text"] for m in inbox] == [second.text, first.text]
    assert inbox[0]["eventId"] == str(second.event_id)
    assert (inbox[0]["sender"], inbox[0]["reference"]) == ("registration_service", "KZ-0001")
    assert len(await _inbox(office.http, other_phone, 1)) == 1


async def test_sms_inbox_is_emptied_by_an_admin_only(office: FrontOffice) -> None:
    phone, other_phone = _phone(), _phone()
    await office.publish(_sms(phone, "Текст"))
    await office.publish(_sms(other_phone, "Текст другому"))
    await _inbox(office.http, phone, 1)
    await _inbox(office.http, other_phone, 1)

    refused = await office.http.delete("/admin/sms/messages", params={"phone": phone})
    assert (refused.status_code, refused.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")
    cleared = await office.http.delete(
        "/admin/sms/messages", params={"phone": phone}, headers=ADMIN
    )
    assert (cleared.status_code, cleared.json()) == (200, {"deleted": 1})
    assert await _inbox(office.http, phone, 0) == []
    assert len(await _inbox(office.http, other_phone, 1)) == 1


async def test_sms_inbox_refuses_a_malformed_phone(office: FrontOffice) -> None:
    reply = await office.http.get("/sms/messages", params={"phone": "87012345601"})
    assert (reply.status_code, reply.json()["field"]) == (422, "phone")
