"""The front office as its desks use it, the personas they meet, and the bus around it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from egov.signin import login
from servicekit.bus import Message, MessageBus, QueueSpec
from servicekit.clock import bus_clock
from servicekit.events import DocumentsReady, Event
from tests.harness import ADMIN

ALMALY, KOSTANAY = "ALM-ALMALY", "KST-KOSTANAY"
WORKERS = {ALMALY: "frontoffice_worker_almaty", KOSTANAY: "frontoffice_worker_kostanay"}
WAIT_SECONDS = 15.0
"""How long a test waits for a message to cross the bus (real time, not business time)."""


@dataclass(frozen=True)
class Visitor:
    persona: str
    iin: str
    id_card: str
    name: str

    def card(self) -> dict[str, str]:
        return {"kind": "ID_CARD", "number": self.id_card}


# Who gets documents where, so that tests sharing a bus do not see each other's: the buyers
# collect at ALM-ALMALY; buyer_kostanay only at KST-KOSTANAY; buyer_with_fines never.
BUYER = Visitor("buyer", "900515310005", "048213576", "Серикбаев Нурлан Маратович")
BUYER_2 = Visitor("buyer_2", "850308410371", "048221495", "Жумабаева Айгерим Ерлановна")
NOTHING_READY = Visitor("buyer_with_fines", "791123310745", "048229414", "Ким Дмитрий Сергеевич")
KOSTANAY_BUYER = Visitor("buyer_kostanay", "970125418149", "048387794", "Бекова Асем Нурлановна")
DECEASED = Visitor("buyer_deceased", "680229311111", "048237333", "Оспанов Ерлан Бахытович")
INVALIDATED = Visitor("buyer_iin_invalidated", "950701411486", "048245252", "Ахметова Динара")
UNKNOWN = Visitor("nobody", "900101300007", "012345678", "not in ГБД ФЛ")

DIGITAL_DOCUMENT = {"kind": "DIGITAL_DOCUMENT"}


def application_number() -> str:
    return f"KZ-{uuid.uuid4().hex[:12].upper()}"


class EventTap:
    """A queue of the test's own bound to a routing key: everything published there is kept."""

    def __init__(self, broker: MessageBus, queue: str) -> None:
        self.broker, self.queue = broker, queue
        self.received: list[Message] = []

    @classmethod
    @asynccontextmanager
    async def bound(cls, broker: MessageBus, routing_key: str) -> AsyncIterator[EventTap]:
        queue = f"test.{routing_key}.{uuid.uuid4().hex[:8]}"
        await broker.declare_queue(QueueSpec(queue, bindings=(routing_key,)))
        try:
            yield cls(broker, queue)
        finally:
            await broker.delete_queue(queue)

    async def _take(self) -> None:
        for delivery in await self.broker.get(self.queue, max_count=100):
            self.received.append(delivery.message)
            await delivery.ack()

    async def about(self, application_number: str, *, wait: bool = True) -> list[dict[str, Any]]:
        """The events of this application; with `wait`, once at least one has arrived."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            await self._take()
            found = [
                m.json() | {"messageId": m.message_id}
                for m in self.received
                if m.json()["applicationNumber"] == application_number
            ]
            if found or not wait or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.05)


class FrontOffice:
    def __init__(
        self,
        http: httpx.AsyncClient,
        pki: httpx.AsyncClient,
        gateway: httpx.AsyncClient,
        broker: MessageBus,
        handed_over: EventTap,
    ) -> None:
        self.http, self.pki, self.gateway = http, pki, gateway
        self.broker, self.handed_over = broker, handed_over

    async def sign_in(self, persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await login(self.pki, persona, 'frontoffice_service')}"}

    async def worker(self, office: str) -> dict[str, str]:
        return await self.sign_in(WORKERS[office])

    @asynccontextmanager
    async def gbd_fl_failing_once(self, error_code: str, status: int) -> AsyncIterator[None]:
        """The front office's next call to ГБД ФЛ fails with this error; the rule is gone
        afterwards, whether it was used or not."""
        rule = {
            "kind": "error",
            "serviceId": "GBDFL_UniversalServiceSync",
            "senderId": "frontoffice_service",
            "errorCode": error_code,
            "status": status,
            "count": 1,
        }
        added = await self.gateway.post("/admin/faults", json=rule, headers=ADMIN)
        assert added.status_code == 201, added.text
        try:
            yield
        finally:
            await self.gateway.delete(f"/admin/faults/{added.json()['id']}", headers=ADMIN)

    async def publish(self, event: Event) -> None:
        body = orjson.dumps(event.model_dump(mode="json", by_alias=True))
        message = Message(body=body, message_id=str(event.event_id), type=event.routing_key)
        await self.broker.publish(event.routing_key, message)

    def documents(self, owner: Visitor, office: str, **changes: Any) -> DocumentsReady:
        values: dict[str, Any] = {
            "occurred_at": bus_clock.now(),
            "application_number": application_number(),
            "application_id": uuid.uuid4(),
            "centre_id": office,
            "owner_iin": owner.iin,
            "owner_name": owner.name,
            "vin": "XW8ZZZ61ZPG000001",
            "plate": "123 ABC 02",
            "certificate_number": f"AB{uuid.uuid4().int % 10**8:08d}",
        }
        return DocumentsReady(**(values | changes))

    async def documents_ready(self, owner: Visitor, office: str) -> DocumentsReady:
        """V19 on the portal's side: the documents are published ready, and here they are."""
        event = self.documents(owner, office)
        await self.publish(event)
        await self.pickups(office, event.application_number, count=1)
        return event

    async def pickups(
        self, office: str, application: str, *, count: int = 1
    ) -> list[dict[str, Any]]:
        """The office's pick-ups of this application, once `count` of them are listed."""
        headers = await self.worker(office)
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            reply = await self.http.get(
                f"/offices/{office}/pickups", params={"limit": 500}, headers=headers
            )
            assert reply.status_code == 200, reply.text
            found = [p for p in reply.json() if p["applicationNumber"] == application]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.05)

    async def issue(
        self,
        office: str,
        headers: dict[str, str],
        visitor: Visitor | None,
        *,
        kind: str = "VIN_PICKUP",
        identification: dict[str, str] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"kind": kind}
        if visitor is not None:
            body["visitorIin"] = visitor.iin
            body["identification"] = identification or visitor.card()
        return await self.http.post(
            f"/offices/{office}/queue/tickets", json=body, headers=_with_key(headers, key)
        )

    async def call_next(
        self, office: str, headers: dict[str, str], *, window: int = 1, key: str | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"/offices/{office}/queue/call-next",
            json={"window": window},
            headers=_with_key(headers, key),
        )

    async def called_ticket(self, office: str, headers: dict[str, str], visitor: Visitor) -> str:
        """V20 done: the visitor's pick-up ticket, issued and called to window 1; its id."""
        issued = await self.issue(office, headers, visitor)
        assert issued.status_code == 201, issued.text
        called = await self.call_next(office, headers)
        assert called.status_code == 200, called.text
        assert called.json()["id"] == issued.json()["id"]
        ticket_id: str = called.json()["id"]
        return ticket_id

    async def hand_over(
        self,
        office: str,
        headers: dict[str, str],
        *,
        ticket_id: str,
        application: str,
        visitor: Visitor,
        identification: dict[str, str] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        return await self.http.post(
            f"/offices/{office}/pickups/hand-over",
            json={
                "ticketId": ticket_id,
                "applicationNumber": application,
                "visitorIin": visitor.iin,
                "identification": identification or visitor.card(),
            },
            headers=_with_key(headers, key),
        )


async def journal(office: FrontOffice, **criteria: str) -> list[dict[str, Any]]:
    """The gateway's journal entries that meet `criteria` (`correlationId`, `from`…), oldest
    first."""
    reply = await office.gateway.get(
        "/admin/journal", params={**criteria, "limit": "1000"}, headers=ADMIN
    )
    assert reply.status_code == 200, reply.text
    entries: list[dict[str, Any]] = reply.json()
    return entries[::-1]


def _with_key(headers: dict[str, str], key: str | None) -> dict[str, str]:
    return headers if key is None else {**headers, "Idempotency-Key": key}


def refusal(reply: httpx.Response) -> tuple[int, str, str | None]:
    """(status, code, step) of a problem answer."""
    problem = reply.json()
    return reply.status_code, problem["code"], problem.get("step")
