"""V21–V22: the issuance desk hands the СРТС and the plate over to their owner, on a called
pick-up ticket, after checking the ID and the application number; the portal hears of it once
(`frontoffice.pickup.handed_over`). Whoever is refused gets nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
import pytest

from servicekit.clock import bus_clock
from servicekit.events import PickupHandedOver
from tests.frontoffice.support import (
    ALMALY,
    BUYER,
    BUYER_2,
    KOSTANAY,
    FrontOffice,
    Visitor,
    application_number,
    journal,
    refusal,
)

WORKER_IIN = "920417312598"
"""frontoffice_worker_almaty"""


async def _status(office: FrontOffice, application: str, at: str = ALMALY) -> str:
    [pickup] = await office.pickups(at, application)
    status: str = pickup["status"]
    return status


async def _ticket_status(office: FrontOffice, headers: dict[str, str], ticket_id: str) -> str:
    reply = await office.http.get(f"/offices/{ALMALY}/queue", headers=headers)
    [ticket] = [t for t in reply.json() if t["id"] == ticket_id]
    status: str = ticket["status"]
    return status


async def test_v22_hand_over_publishes_handed_over_exactly_once(
    office: FrontOffice, business_day: datetime
) -> None:
    first = await office.documents_ready(BUYER, ALMALY)
    second = await office.documents_ready(BUYER, ALMALY)
    worker = await office.worker(ALMALY)
    ticket_id = await office.called_ticket(ALMALY, worker, BUYER)
    key = str(uuid.uuid4())

    async def hand_first_over() -> httpx.Response:
        """The hand-over of `first` under one Idempotency-Key, as many times as it is sent."""
        return await office.hand_over(
            ALMALY,
            worker,
            ticket_id=ticket_id,
            application=first.application_number,
            visitor=BUYER,
            key=key,
        )

    reply = await hand_first_over()
    assert reply.status_code == 200, reply.text
    pickup, ticket = reply.json()["pickup"], reply.json()["ticket"]
    assert (pickup["status"], pickup["handedOverBy"]) == ("HANDED_OVER", WORKER_IIN)
    assert datetime.fromisoformat(pickup["handedOverAt"]) == business_day
    assert (ticket["id"], ticket["status"]) == (ticket_id, "SERVED")

    replayed = await hand_first_over()
    assert (replayed.status_code, replayed.json()) == (200, reply.json())

    # Handed over once: another ticket for the same application is refused.
    bus_clock.advance(timedelta(minutes=5))
    next_ticket = await office.called_ticket(ALMALY, worker, BUYER)
    again = await office.hand_over(
        ALMALY, worker, ticket_id=next_ticket, application=first.application_number, visitor=BUYER
    )
    assert refusal(again) == (409, "PICKUP_ALREADY_HANDED_OVER", "V21")
    later = await office.hand_over(
        ALMALY, worker, ticket_id=next_ticket, application=second.application_number, visitor=BUYER
    )
    assert later.status_code == 200, later.text

    # The outbox publishes in order: once the later event is here, every copy of the first is.
    assert len(await office.handed_over.about(second.application_number)) == 1
    [event] = await office.handed_over.about(first.application_number, wait=False)
    assert event["messageId"] == event["eventId"]
    body = {k: v for k, v in event.items() if k != "messageId"}
    published = PickupHandedOver.model_validate(body)
    assert (published.centre_id, published.owner_iin, published.worker_iin) == (
        ALMALY,
        BUYER.iin,
        WORKER_IIN,
    )
    assert (published.certificate_number, published.plate) == (
        first.certificate_number,
        first.plate,
    )
    assert await _status(office, first.application_number) == "HANDED_OVER"


@pytest.mark.parametrize(
    ("application", "visitor", "identification", "ticket", "status", "code", "field"),
    [
        ("others", BUYER, None, "called", 422, "PICKUP_WRONG_PERSON", "visitorIin"),
        ("made up", BUYER, None, "called", 422, "PICKUP_WRONG_APPLICATION", "applicationNumber"),
        ("others", BUYER_2, None, "called", 422, "TICKET_WRONG_PERSON", "visitorIin"),
        (
            "own",
            BUYER,
            BUYER_2.card(),
            "called",
            422,
            "VISITOR_ID_CARD_MISMATCH",
            "identification.number",
        ),
        ("elsewhere", BUYER, None, "called", 422, "PICKUP_AT_OTHER_OFFICE", "office"),
        ("own", BUYER, None, "unknown", 404, "TICKET_NOT_FOUND", "ticketId"),
    ],
    ids=[
        "wrong person",
        "wrong number",
        "ticket of another",
        "wrong id card",
        "ready elsewhere",
        "unknown ticket",
    ],
)
async def test_v21_wrong_person_or_number_is_refused_and_nothing_handed_over(
    office: FrontOffice,
    business_day: datetime,
    application: str,
    visitor: Visitor,
    identification: dict[str, str] | None,
    ticket: str,
    status: int,
    code: str,
    field: str,
) -> None:
    """BUYER's called ticket is handed: the application BUYER's own, BUYER_2's (`others`), a
    made-up number, or BUYER's ready at another office; the ticket the called one or unknown."""
    own = await office.documents_ready(BUYER, ALMALY)
    others = await office.documents_ready(BUYER_2, ALMALY)
    worker = await office.worker(ALMALY)
    ticket_id = await office.called_ticket(ALMALY, worker, BUYER)
    numbers = {"own": own.application_number, "others": others.application_number}
    if application == "made up":
        numbers[application] = application_number()
    if application == "elsewhere":
        numbers[application] = (await office.documents_ready(BUYER, KOSTANAY)).application_number

    reply = await office.hand_over(
        ALMALY,
        worker,
        ticket_id=ticket_id if ticket == "called" else str(uuid.uuid4()),
        application=numbers[application],
        visitor=visitor,
        identification=identification,
    )
    assert refusal(reply) == (status, code, "V21")
    assert reply.json()["field"] == field

    assert await _status(office, own.application_number) == "READY"
    assert await _status(office, others.application_number) == "READY"
    assert await _ticket_status(office, worker, ticket_id) == "CALLED"
    # The right request still works on the same ticket, and only it is published.
    done = await office.hand_over(
        ALMALY, worker, ticket_id=ticket_id, application=own.application_number, visitor=BUYER
    )
    assert done.status_code == 200, done.text
    assert len(await office.handed_over.about(own.application_number)) == 1
    assert await office.handed_over.about(others.application_number, wait=False) == []


async def test_v21_only_a_called_pickup_ticket_is_served(
    office: FrontOffice, business_day: datetime
) -> None:
    own = await office.documents_ready(BUYER, ALMALY)
    worker = await office.worker(ALMALY)
    waiting = (await office.issue(ALMALY, worker, BUYER)).json()
    reply = await office.hand_over(
        ALMALY, worker, ticket_id=waiting["id"], application=own.application_number, visitor=BUYER
    )
    assert refusal(reply) == (409, "TICKET_NOT_CALLED", "V21")

    bus_clock.advance(timedelta(minutes=1))
    submission = (await office.issue(ALMALY, worker, None, kind="SUBMISSION")).json()
    await office.call_next(ALMALY, worker)  # the pick-up ticket, issued first
    called = (await office.call_next(ALMALY, worker)).json()
    assert called["id"] == submission["id"]
    wrong_kind = await office.hand_over(
        ALMALY, worker, ticket_id=called["id"], application=own.application_number, visitor=BUYER
    )
    assert refusal(wrong_kind) == (422, "TICKET_WRONG_KIND", "V21")
    assert await _status(office, own.application_number) == "READY"


async def test_v21_gbd_fl_away_is_try_again_and_hands_nothing_over(
    office: FrontOffice, business_day: datetime
) -> None:
    own = await office.documents_ready(BUYER, ALMALY)
    worker = await office.worker(ALMALY)
    ticket_id = await office.called_ticket(ALMALY, worker, BUYER)
    async with office.gbd_fl_failing_once("PROVIDER_TIMEOUT", 504):
        reply = await office.hand_over(
            ALMALY, worker, ticket_id=ticket_id, application=own.application_number, visitor=BUYER
        )
        assert refusal(reply) == (503, "VISITOR_CHECK_UNAVAILABLE", "V21")
    assert await _status(office, own.application_number) == "READY"
    assert await _ticket_status(office, worker, ticket_id) == "CALLED"
    retried = await office.hand_over(
        ALMALY, worker, ticket_id=ticket_id, application=own.application_number, visitor=BUYER
    )
    assert retried.status_code == 200, retried.text


async def test_v21_the_owners_id_check_is_made_for_the_application(
    office: FrontOffice, business_day: datetime
) -> None:
    """The pick-up keeps the application's id that `registration.documents_ready` brought: the
    owner's V21 ID check goes out with it as its correlationId, so the gateway's journal gives
    it back with the application's other calls. A visitor naming another's application is
    checked outside that conversation, and a reception check for two applications waiting
    here (V20) belongs to neither."""
    own = await office.documents_ready(BUYER, ALMALY)
    also_own = await office.documents_ready(BUYER, ALMALY)
    others = await office.documents_ready(BUYER_2, ALMALY)
    worker = await office.worker(ALMALY)
    ticket_id = await office.called_ticket(ALMALY, worker, BUYER)
    wrong = await office.hand_over(
        ALMALY, worker, ticket_id=ticket_id, application=others.application_number, visitor=BUYER
    )
    assert refusal(wrong) == (422, "PICKUP_WRONG_PERSON", "V21")
    done = await office.hand_over(
        ALMALY, worker, ticket_id=ticket_id, application=own.application_number, visitor=BUYER
    )
    assert done.status_code == 200, done.text

    calls = await journal(office, correlationId=str(own.application_id))
    assert [(c["senderId"], c["serviceId"], c["status"]) for c in calls] == [
        ("frontoffice_service", "GBDFL_UniversalServiceSync", 200)
    ]
    assert await journal(office, correlationId=str(others.application_id)) == []
    assert await journal(office, correlationId=str(also_own.application_id)) == []
