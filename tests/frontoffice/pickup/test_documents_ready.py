"""V19 → V20: the documents the portal reports ready (`registration.documents_ready`) wait at
the chosen ЦОН, once each however often the message comes."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest

from frontoffice_service.consumers import DOCUMENTS_READY_QUEUE
from servicekit.bus import Message, MessageBus
from servicekit.events import DOCUMENTS_READY
from tests.frontoffice.support import ALMALY, BUYER, WAIT_SECONDS, FrontOffice, journal


async def test_v20_documents_ready_delivered_twice_are_kept_once(office: FrontOffice) -> None:
    event = office.documents(BUYER, ALMALY)
    await office.publish(event)
    await office.publish(event)  # the broker delivers it again
    resent = office.documents(BUYER, ALMALY, application_number=event.application_number)
    await office.publish(resent)  # the same application under a new event id
    await office.documents_ready(BUYER, ALMALY)  # a later one, to know the others were handled

    listed = await office.pickups(ALMALY, event.application_number)
    assert len(listed) == 1
    assert listed[0]["certificateNumber"] == event.certificate_number
    assert listed[0]["status"] == "READY"
    assert listed[0]["ownerIin"] == BUYER.iin
    assert not await _dead_letters(office.broker, {str(event.event_id), str(resent.event_id)})


async def test_v20_documents_ready_of_before_the_application_id_are_kept_uncorrelated(
    office: FrontOffice, business_day: datetime
) -> None:
    """An event published before `applicationId` was added is still taken; its pick-up is
    handed over as any, and its registry calls (V20, V21) go out in no conversation."""
    event = office.documents(BUYER, ALMALY)
    body = event.model_dump(mode="json", by_alias=True)
    del body["applicationId"]
    await office.broker.publish(DOCUMENTS_READY, Message.from_json(body, type=DOCUMENTS_READY))
    [kept] = await office.pickups(ALMALY, event.application_number)
    assert kept["status"] == "READY"

    worker = await office.worker(ALMALY)
    ticket_id = await office.called_ticket(ALMALY, worker, BUYER)
    done = await office.hand_over(
        ALMALY, worker, ticket_id=ticket_id, application=event.application_number, visitor=BUYER
    )
    assert done.status_code == 200, done.text
    checks = await journal(
        office,
        senderId="frontoffice_service",
        serviceId="GBDFL_UniversalServiceSync",
        **{"from": business_day.isoformat(), "to": (business_day + timedelta(days=1)).isoformat()},
    )
    assert [c["correlationId"] for c in checks] == [None, None]  # V20, V21


@pytest.mark.parametrize(
    "kind",
    ["unknown office", "not the event's shape"],
)
async def test_v20_documents_that_cannot_be_kept_go_to_the_dead_letters(
    office: FrontOffice, kind: str
) -> None:
    if kind == "unknown office":
        event = office.documents(BUYER, "ALM-NOWHERE")
        await office.publish(event)
        message_id = str(event.event_id)
    else:
        message = Message.from_json({"applicationNumber": "KZ-1"}, type=DOCUMENTS_READY)
        await office.broker.publish(DOCUMENTS_READY, message)
        message_id = message.message_id
    deadline = time.monotonic() + WAIT_SECONDS
    while not await _dead_letters(office.broker, {message_id}):
        assert time.monotonic() < deadline, "the message did not reach the dead letters"
        await asyncio.sleep(0.05)


async def _dead_letters(broker: MessageBus, message_ids: set[str]) -> list[Message]:
    await broker.declare_queue(DOCUMENTS_READY_QUEUE)
    dead = await broker.dead_letters(DOCUMENTS_READY_QUEUE.name, limit=1000)
    return [m for m in dead if m.message_id in message_ids]
